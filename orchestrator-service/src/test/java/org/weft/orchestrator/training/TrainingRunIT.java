package org.weft.orchestrator.training;

import static org.assertj.core.api.Assertions.assertThat;

import com.jayway.jsonpath.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.mock.env.MockEnvironment;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * The training start's workload against the real service: its templates registered, its
 * experiments submitted over the REST API and run to completion by a worker, and the status the
 * training start would exit with. (The exit itself is the launcher's: RealPathBenchmark starts
 * Weft through it.)
 */
@WeftIntegrationTest
class TrainingRunIT {

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Test
  void theWorkloadRunsEveryExperimentOfBothShapesAndEndsWithStatusZero() throws Exception {
    var embedded = new MockEnvironment().withProperty("weft.embedded.running", "zookeeper, kafka, neo4j");
    var training = new TrainingRun(new TrainingProperties(3, 4, Duration.ofMinutes(2)));
    try (var worker = new TestWorker(kafka, "training-worker", TestWorker.succeedAtOnce("training-worker"))) {
      assertThat(training.train(embedded, "http://127.0.0.1:" + port + "/api/v1")).isZero();
    }
    var api = new Api(port);
    for (var type : new String[] {TrainingRun.CHAIN, TrainingRun.DIAMOND}) {
      Integer completed = JsonPath.read(api.get("/api/v1/experiments?state=COMPLETED&type=" + type).body(), "$.total");
      assertThat(completed).as(type).isGreaterThanOrEqualTo(3);
    }
    assertThat(training.train(new MockEnvironment(), "http://127.0.0.1:" + port + "/api/v1"))
        .as("with servers of its own, nothing runs and the start exits at once").isZero();
  }
}
