package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.junit.jupiter.Container;
import org.testcontainers.junit.jupiter.Testcontainers;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.neo4j.Neo4jContainer;
import org.weft.embedded.EmbeddedInfrastructure;
import org.weft.orchestrator.testsupport.Http;

/**
 * The orchestrator against Neo4j, Kafka and ZooKeeper in containers, for machines with a Docker
 * engine; skipped where there is none.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerInfrastructureIT {

  @Container
  static final Neo4jContainer NEO4J = new Neo4jContainer("neo4j:5.26-community").withoutAuthentication();

  @Container
  static final KafkaContainer KAFKA = new KafkaContainer("apache/kafka:4.1.0");

  @Container
  static final GenericContainer<?> ZOOKEEPER = new GenericContainer<>("zookeeper:3.9").withExposedPorts(2181);

  @TempDir
  java.nio.file.Path workDir;

  @Test
  void runsAgainstContainerisedServersAndStartsNoEmbeddedOne() {
    var embeddedData = workDir.resolve("must-stay-empty");
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WeftOrchestratorApplication.class).run(
        "--server.port=0",
        "--spring.neo4j.uri=" + NEO4J.getBoltUrl(),
        "--weft.zookeeper.connect-string=" + ZOOKEEPER.getHost() + ":" + ZOOKEEPER.getMappedPort(2181),
        "--spring.kafka.bootstrap-servers=" + KAFKA.getBootstrapServers(),
        "--weft.embedded.data-dir=" + embeddedData)) {

      assertThat(context.getBeanProvider(EmbeddedInfrastructure.class).getIfAvailable()).isNull();
      assertThat(embeddedData).doesNotExist();
      var api = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        var body = Http.get(api + "/actuator/health").body();
        assertThat((String) JsonPath.read(body, "$.status")).isEqualTo("UP");
      });
    }
  }
}
