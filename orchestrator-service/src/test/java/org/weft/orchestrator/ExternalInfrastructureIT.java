package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.io.IOException;
import java.io.Writer;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.weft.embedded.EmbeddedInfrastructure;
import org.weft.embedded.InfrastructureMain;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.WeftJar;

/**
 * ZooKeeper and a KRaft broker from their Maven Central jars and Neo4j from the embedded API, each
 * in a JVM of its own; the orchestrator pointed at them starts no embedded server.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExternalInfrastructureIT {

  private static final Duration STARTUP = Duration.ofMinutes(2);

  @TempDir
  static Path workDir;

  private final List<JavaProcess> servers = new ArrayList<>();
  private String zookeeper;
  private String kafka;
  private String neo4j;

  @BeforeAll
  void startServersAsSeparateProcesses() throws IOException {
    int[] ports = FreePorts.take(5);
    zookeeper = "localhost:" + ports[0];
    kafka = "localhost:" + ports[1];
    neo4j = "bolt://localhost:" + ports[3];
    var quiet = List.of("-Dlogback.configurationFile=" + logbackForChildren(), "-Dzookeeper.admin.enableServer=false");

    servers.add(JavaProcess.start("zookeeper", workDir, quiet, concat(JavaProcess.testClasspath(),
        "org.apache.zookeeper.server.ZooKeeperServerMain", String.valueOf(ports[0]), workDir.resolve("zk").toString())));
    awaitPort(ports[0]);

    var kafkaConfig = writeKafkaConfig(ports[1], ports[2]);
    var format = JavaProcess.start("kafka-format", workDir, quiet, concat(JavaProcess.testClasspath(),
        "kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().substring(0, 22).replace('-', 'x'),
        "-c", kafkaConfig.toString()));
    assertThat(format.waitForExit(STARTUP)).as(format.tail()).isZero();
    servers.add(JavaProcess.start("kafka", workDir, quiet,
        concat(JavaProcess.testClasspath(), "kafka.Kafka", kafkaConfig.toString())));
    awaitPort(ports[1]);

    var graph = JavaProcess.start("neo4j", workDir, List.of(), WeftJar.args("infrastructure",
        "--weft.zookeeper.connect-string=" + zookeeper,
        "--spring.kafka.bootstrap-servers=" + kafka,
        "--weft.embedded.data-dir=" + workDir.resolve("neo4j-process"),
        "--weft.embedded.neo4j.bolt-port=" + ports[3],
        "--weft.embedded.neo4j.http-port=" + ports[4],
        "--weft.embedded.neo4j.page-cache=64MB"));
    servers.add(graph);
    graph.awaitOutput(InfrastructureMain.READY_LINE, STARTUP);
    assertThat(graph.output()).contains("Embedded Neo4j listening").doesNotContain("Embedded ZooKeeper listening")
        .doesNotContain("Embedded Kafka (KRaft) listening");
  }

  @AfterAll
  void stopServers() {
    servers.forEach(JavaProcess::close);
  }

  @Test
  void connectsToExternalServersAndStartsNoEmbeddedOne() throws Exception {
    var embeddedData = workDir.resolve("data");
    try (ConfigurableApplicationContext context = new SpringApplicationBuilder(WeftOrchestratorApplication.class).run(
        "--server.port=0",
        "--spring.neo4j.uri=" + neo4j,
        "--weft.zookeeper.connect-string=" + zookeeper,
        "--spring.kafka.bootstrap-servers=" + kafka,
        "--weft.embedded.data-dir=" + embeddedData)) {

      assertThat(context.getBeanProvider(EmbeddedInfrastructure.class).getIfAvailable()).isNull();
      // no embedded server wrote anything; the in-process workers keep their journal there
      assertThat(embeddedData.toFile().list()).containsExactly("worker");

      var api = "http://localhost:" + context.getEnvironment().getProperty("local.server.port");
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        var body = Http.get(api + "/actuator/health").body();
        assertThat((String) JsonPath.read(body, "$.components.neo4j.status")).isEqualTo("UP");
        assertThat((String) JsonPath.read(body, "$.components.zookeeper.status")).isEqualTo("UP");
        assertThat((String) JsonPath.read(body, "$.components.kafka.status")).isEqualTo("UP");
        assertThat((List<String>) JsonPath.read(body, "$.components.kafka.details.bootstrapServers")).containsExactly(kafka);
      });

      // what the orchestrator's own client writes is in the external ZooKeeper
      context.getBean(CuratorFramework.class).create().creatingParentsIfNeeded().forPath("/weft-it/external", new byte[0]);
      try (var outside = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200))) {
        outside.start();
        assertThat(outside.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        assertThat(outside.checkExists().forPath("/weft-it/external")).isNotNull();
      }
    }
  }

  private static Path writeKafkaConfig(int port, int controllerPort) throws IOException {
    var config = new Properties();
    config.setProperty("process.roles", "broker,controller");
    config.setProperty("node.id", "1");
    config.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    config.setProperty("listeners", "PLAINTEXT://localhost:%d,CONTROLLER://localhost:%d".formatted(port, controllerPort));
    config.setProperty("advertised.listeners", "PLAINTEXT://localhost:" + port);
    config.setProperty("controller.listener.names", "CONTROLLER");
    config.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.setProperty("log.dirs", workDir.resolve("kafka-logs").toString());
    config.setProperty("offsets.topic.replication.factor", "1");
    config.setProperty("transaction.state.log.replication.factor", "1");
    config.setProperty("transaction.state.log.min.isr", "1");
    config.setProperty("share.coordinator.state.topic.replication.factor", "1");
    config.setProperty("share.coordinator.state.topic.min.isr", "1");
    var file = workDir.resolve("server.properties");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      config.store(out, "external broker for ExternalInfrastructureIT");
    }
    return file;
  }

  private static String logbackForChildren() {
    try {
      return Paths.get(ExternalInfrastructureIT.class.getResource("/logback-child.xml").toURI()).toString();
    } catch (java.net.URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static void awaitPort(int port) {
    await("port " + port).atMost(STARTUP).pollInterval(Duration.ofMillis(200)).ignoreExceptions().until(() -> {
      try (var socket = new Socket("localhost", port)) {
        return true;
      }
    });
  }

  private static List<String> concat(List<String> first, String... rest) {
    var all = new ArrayList<>(first);
    all.addAll(List.of(rest));
    return all;
  }
}
