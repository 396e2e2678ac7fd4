package org.weft.orchestrator.training;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

class TrainingRunTest {

  @Test
  void runsItsWorkloadOnlyWhereEveryServerIsEmbeddedAndTheApiIsLocal() {
    assertThat(TrainingRun.workloadAllowed(new MockEnvironment()
        .withProperty("weft.embedded.running", "zookeeper, kafka, neo4j"))).isTrue();
    assertThat(TrainingRun.workloadAllowed(new MockEnvironment()
        .withProperty("weft.embedded.running", "zookeeper, kafka"))).isFalse();
    assertThat(TrainingRun.workloadAllowed(new MockEnvironment())).isFalse();
    assertThat(TrainingRun.workloadAllowed(new MockEnvironment()
        .withProperty("weft.embedded.running", "zookeeper, kafka, neo4j")
        .withProperty("weft.access.issuer-uri", "https://id.example.org/realms/gateways"))).isFalse();
  }
}
