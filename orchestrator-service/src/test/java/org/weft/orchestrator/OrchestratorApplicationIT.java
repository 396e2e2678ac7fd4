package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.Environment;
import org.weft.embedded.EmbeddedInfrastructure;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class OrchestratorApplicationIT {

  @Value("${local.server.port}")
  int port;

  @Autowired
  EmbeddedInfrastructure infrastructure;

  @Autowired
  Environment environment;

  @Test
  void pointsEveryClientAtTheEmbeddedServers() {
    assertThat(infrastructure.started()).containsExactly("zookeeper", "kafka", "neo4j");
    assertThat(environment.getProperty("spring.neo4j.uri")).isEqualTo(infrastructure.neo4jBoltUri().orElseThrow());
    assertThat(environment.getProperty("spring.kafka.bootstrap-servers"))
        .isEqualTo(infrastructure.kafkaBootstrapServers().orElseThrow());
    assertThat(environment.getProperty("weft.zookeeper.connect-string"))
        .isEqualTo(infrastructure.zookeeperConnectString().orElseThrow());
  }

  @Test
  void healthReportsNeo4jZooKeeperAndKafkaSeparately() {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var health = Http.get(base() + "/actuator/health");
      assertThat(health.statusCode()).isEqualTo(200);
      String body = health.body();
      assertThat((String) JsonPath.read(body, "$.components.neo4j.status")).isEqualTo("UP");
      assertThat((String) JsonPath.read(body, "$.components.zookeeper.status")).isEqualTo("UP");
      assertThat((String) JsonPath.read(body, "$.components.kafka.status")).isEqualTo("UP");
      assertThat((Integer) JsonPath.read(body, "$.components.kafka.details.brokers")).isEqualTo(1);
    });
  }

  @Test
  void servesPrometheusMetrics() {
    var metrics = Http.get(base() + "/actuator/prometheus");

    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body()).contains("jvm_memory_used_bytes").contains("application=\"weft-orchestrator\"");
  }

  private String base() {
    return "http://localhost:" + port;
  }
}
