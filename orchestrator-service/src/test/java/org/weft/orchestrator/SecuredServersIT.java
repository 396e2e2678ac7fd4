package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

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
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.TaskServiceJar;
import org.weft.orchestrator.testsupport.WeftJar;

/**
 * Weft against external servers that want credentials, as docs/security.md sets them up: a Kafka
 * broker from its Maven Central jar that accepts only SASL (PLAIN) over TLS with a certificate of a
 * private CA, a Neo4j that requires a password and a ZooKeeper (both from {@code ./weft
 * infrastructure}), with Weft's nodes under a digest ACL. The orchestrator and a task microservice
 * run as separate processes with those settings and start no embedded server; wrong credentials
 * stop a start with one clear message.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(OutputCaptureExtension.class)
class SecuredServersIT {

  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final String STORE_PASSWORD = "store-secret";
  private static final String KAFKA_PASSWORD = "weft-kafka-secret";
  private static final String NEO4J_PASSWORD = "weft-graph-secret";
  private static final String ZOOKEEPER_IDENTITY = "weft:zk-secret";

  @TempDir
  static Path workDir;

  private final List<JavaProcess> processes = new ArrayList<>();
  private int[] ports;
  private Path trustStore;

  @BeforeAll
  void startSecuredServers() throws Exception {
    ports = FreePorts.take(7);
    trustStore = makeCertificates();
    var quiet = List.of("-Dlogback.configurationFile=" + logbackForChildren());
    var kafkaConfig = writeKafkaConfig(ports[1], ports[2]);
    var format = JavaProcess.start("kafka-format", workDir, quiet, concat(JavaProcess.testClasspath(),
        "kafka.tools.StorageTool", "format", "-t", UUID.randomUUID().toString().substring(0, 22).replace('-', 'x'),
        "-c", kafkaConfig.toString()));
    assertThat(format.waitForExit(STARTUP)).as(format.tail()).isZero();
    processes.add(JavaProcess.start("kafka", workDir, quiet,
        concat(JavaProcess.testClasspath(), "kafka.Kafka", kafkaConfig.toString())));
    awaitPort(ports[1]);

    // ZooKeeper and a Neo4j with a password; the broker above is external to it
    var infrastructure = WeftJar.launchInfrastructure("infrastructure", workDir, List.of(
            "--weft.embedded.data-dir=" + workDir.resolve("data"),
            "--weft.embedded.zookeeper.port=" + ports[0], "--spring.kafka.bootstrap-servers=" + kafka(),
            "--weft.embedded.neo4j.bolt-port=" + ports[3], "--weft.embedded.neo4j.http-port=" + ports[4],
            "--weft.embedded.neo4j.page-cache=64MB", "--weft.embedded.neo4j.password=" + NEO4J_PASSWORD));
    processes.add(infrastructure);
    infrastructure.awaitOutput(org.weft.embedded.InfrastructureMain.READY_LINE, STARTUP);
    assertThat(infrastructure.output()).contains("Embedded Neo4j listening", "user neo4j with the configured password")
        .doesNotContain("Embedded Kafka (KRaft) listening");
  }

  @AfterAll
  void stopServers() {
    processes.forEach(JavaProcess::close);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theOrchestratorAndATaskMicroserviceRunExperimentsWithCredentialsAndTls() throws Exception {
    try (var orchestrator = WeftJar.launch("orchestrator", workDir, orchestratorArgs(KAFKA_PASSWORD, NEO4J_PASSWORD,
            "--weft.instance-id=o-1", "--weft.worker.task-types=env-setup"))
             .awaitOutput("Weft orchestrator is up", STARTUP);
         var noop = TaskServiceJar.launch("noop", "noop-1", workDir, concat(securedClientArgs(KAFKA_PASSWORD),
                 "--weft.worker.id=noop-1", "--weft.worker.workspace=" + workDir.resolve("workspace")))
             .awaitOutput("Worker noop-1 runs", STARTUP)) {
      assertThat(orchestrator.output()).doesNotContain("Embedded ZooKeeper listening")
          .doesNotContain("Embedded Kafka (KRaft) listening").doesNotContain("Embedded Neo4j listening");
      var api = new Api(ports[5]);
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        var health = api.get("/actuator/health");
        assertThat((String) Api.read(health, "$.components.neo4j.status")).isEqualTo("UP");
        assertThat((String) Api.read(health, "$.components.zookeeper.status")).isEqualTo("UP");
        assertThat((String) Api.read(health, "$.components.kafka.status")).isEqualTo("UP");
        assertThat((List<String>) Api.read(health, "$.components.kafka.details.bootstrapServers")).containsExactly(kafka());
      });
      var registered = api.post("/api/v1/master-dags", "application/yaml", """
          type: secured-chain
          tasks:
            - {key: first, taskType: noop}
            - {key: second, taskType: noop, dependsOn: [first]}
            - {key: third, taskType: noop, dependsOn: [second]}
          """);
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);

      var ids = new ArrayList<String>();
      for (int i = 0; i < 5; i++) {
        ids.add(api.submit("{\"experimentType\": \"secured-chain\", \"inputs\": {}}"));
      }
      for (var id : ids) {
        api.awaitState(id, "COMPLETED", Duration.ofMinutes(1));
        assertThat(api.node(id, "third").get("workerId")).isEqualTo("noop-1");
      }

      // what the processes keep in ZooKeeper is theirs alone
      try (var stranger = CuratorFrameworkFactory.newClient(zookeeper(), new RetryOneTime(200))) {
        stranger.start();
        assertThat(stranger.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        var noAuth = org.assertj.core.api.Assertions.catchThrowable(() -> stranger.getChildren().forPath("/weft/workers/noop"));
        assertThat(noAuth).isInstanceOf(KeeperException.NoAuthException.class);
      }
    }
  }

  @Test
  void aWrongNeo4jPasswordStopsTheStartWithAClearMessage(CapturedOutput output) {
    assertThatThrownBy(() -> startInThisProcess(orchestratorArgs(KAFKA_PASSWORD, "not-the-password")))
        .hasRootCauseInstanceOf(org.neo4j.driver.exceptions.AuthenticationException.class);
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Neo4j at bolt://localhost:%d refused the credentials of user 'neo4j'".formatted(ports[3]))
        .contains("spring.neo4j.authentication.password");
  }

  @Test
  void aWrongKafkaPasswordStopsTheStartWithAClearMessage(CapturedOutput output) {
    assertThatThrownBy(() -> startInThisProcess(orchestratorArgs("not-the-password", NEO4J_PASSWORD)))
        .hasRootCauseInstanceOf(org.apache.kafka.common.errors.SaslAuthenticationException.class);
    assertThat(output.getAll()).contains("APPLICATION FAILED TO START")
        .contains("Kafka at %s refused to authenticate Weft".formatted(kafka()))
        .contains("spring.kafka.properties.sasl.jaas.config");
  }

  /**
   * The orchestrator started in the test's JVM, which is warm, rather than as a process: a start that
   * fails fails within seconds. The task microservices check Kafka with the same auto-configuration.
   */
  private static void startInThisProcess(List<String> args) {
    var inProcess = new ArrayList<>(args);
    inProcess.replaceAll(arg -> arg.startsWith("--server.port=") ? "--server.port=0" : arg);
    inProcess.add("--weft.embedded.data-dir=" + workDir.resolve("in-process"));
    new SpringApplicationBuilder(WeftOrchestratorApplication.class).run(inProcess.toArray(String[]::new)).close();
  }

  private List<String> orchestratorArgs(String kafkaPassword, String neo4jPassword, String... extra) {
    var args = new ArrayList<>(securedClientArgs(kafkaPassword));
    args.addAll(List.of("--server.port=" + ports[5],
        "--spring.neo4j.uri=bolt://localhost:" + ports[3],
        "--spring.neo4j.authentication.username=neo4j",
        "--spring.neo4j.authentication.password=" + neo4jPassword,
        "--weft.worker.workspace=" + workDir.resolve("workspace")));
    args.addAll(List.of(extra));
    return args;
  }

  /** What every Weft process needs for these servers: the settings docs/security.md names. */
  private List<String> securedClientArgs(String kafkaPassword) {
    return List.of(
        "--weft.zookeeper.connect-string=" + zookeeper(),
        "--weft.zookeeper.digest-auth=" + ZOOKEEPER_IDENTITY,
        "--spring.kafka.bootstrap-servers=" + kafka(),
        "--spring.kafka.security.protocol=SASL_SSL",
        "--spring.kafka.properties.sasl.mechanism=PLAIN",
        "--spring.kafka.properties.sasl.jaas.config=" + plainLogin("weft", kafkaPassword),
        "--spring.kafka.ssl.trust-store-location=file:" + trustStore,
        "--spring.kafka.ssl.trust-store-password=" + STORE_PASSWORD,
        "--spring.kafka.ssl.trust-store-type=PKCS12");
  }

  private String zookeeper() {
    return "localhost:" + ports[0];
  }

  private String kafka() {
    return "localhost:" + ports[1];
  }

  private static String plainLogin(String user, String password) {
    return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"%s\" password=\"%s\";"
        .formatted(user, password);
  }

  /** A broker key pair for {@code localhost} and a trust store holding its certificate, made by keytool. */
  private static Path makeCertificates() throws Exception {
    var keytool = Paths.get(System.getProperty("java.home"), "bin", "keytool").toString();
    var keyStore = workDir.resolve("broker.p12");
    var certificate = workDir.resolve("broker.crt");
    var trust = workDir.resolve("trust.p12");
    run(keytool, "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048", "-validity", "2",
        "-dname", "CN=localhost", "-ext", "SAN=dns:localhost,ip:127.0.0.1", "-storetype", "PKCS12",
        "-keystore", keyStore.toString(), "-storepass", STORE_PASSWORD, "-keypass", STORE_PASSWORD);
    run(keytool, "-exportcert", "-rfc", "-alias", "broker", "-keystore", keyStore.toString(),
        "-storepass", STORE_PASSWORD, "-file", certificate.toString());
    run(keytool, "-importcert", "-noprompt", "-alias", "broker", "-file", certificate.toString(), "-storetype", "PKCS12",
        "-keystore", trust.toString(), "-storepass", STORE_PASSWORD);
    return trust;
  }

  private static void run(String... command) throws Exception {
    var process = new ProcessBuilder(command).redirectErrorStream(true).start();
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(1, TimeUnit.MINUTES)).isTrue();
    assertThat(process.exitValue()).as(output).isZero();
  }

  private static Path writeKafkaConfig(int port, int controllerPort) throws IOException {
    var config = new Properties();
    config.setProperty("process.roles", "broker,controller");
    config.setProperty("node.id", "1");
    config.setProperty("controller.quorum.voters", "1@localhost:" + controllerPort);
    config.setProperty("listeners", "SASL_SSL://localhost:%d,CONTROLLER://localhost:%d".formatted(port, controllerPort));
    config.setProperty("advertised.listeners", "SASL_SSL://localhost:" + port);
    config.setProperty("controller.listener.names", "CONTROLLER");
    config.setProperty("inter.broker.listener.name", "SASL_SSL");
    config.setProperty("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT");
    config.setProperty("sasl.enabled.mechanisms", "PLAIN");
    config.setProperty("sasl.mechanism.inter.broker.protocol", "PLAIN");
    config.setProperty("listener.name.sasl_ssl.plain.sasl.jaas.config",
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"broker\" password=\"broker-secret\""
            + " user_broker=\"broker-secret\" user_weft=\"" + KAFKA_PASSWORD + "\";");
    config.setProperty("ssl.keystore.type", "PKCS12");
    config.setProperty("ssl.keystore.location", workDir.resolve("broker.p12").toString());
    config.setProperty("ssl.keystore.password", STORE_PASSWORD);
    config.setProperty("ssl.key.password", STORE_PASSWORD);
    config.setProperty("ssl.truststore.type", "PKCS12");
    config.setProperty("ssl.truststore.location", workDir.resolve("trust.p12").toString());
    config.setProperty("ssl.truststore.password", STORE_PASSWORD);
    config.setProperty("log.dirs", workDir.resolve("kafka-logs").toString());
    config.setProperty("offsets.topic.replication.factor", "1");
    config.setProperty("offsets.topic.num.partitions", "4");
    config.setProperty("group.initial.rebalance.delay.ms", "0");
    config.setProperty("transaction.state.log.replication.factor", "1");
    config.setProperty("transaction.state.log.min.isr", "1");
    config.setProperty("share.coordinator.state.topic.replication.factor", "1");
    config.setProperty("share.coordinator.state.topic.min.isr", "1");
    var file = workDir.resolve("server.properties");
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      config.store(out, "a broker that wants SASL over TLS, for SecuredServersIT");
    }
    return file;
  }

  private static String logbackForChildren() {
    try {
      return Paths.get(SecuredServersIT.class.getResource("/logback-child.xml").toURI()).toString();
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
