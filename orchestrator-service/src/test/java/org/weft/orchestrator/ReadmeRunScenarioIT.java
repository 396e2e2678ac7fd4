package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.GraphDatabase;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.Readme;
import org.weft.orchestrator.testsupport.WeftJar;

/** The service started with the README's run command, in its own process, and killed. */
class ReadmeRunScenarioIT {

  private static final Duration STARTUP = Duration.ofMinutes(2);

  @TempDir
  Path workDir;

  /** Restarted, it also runs the README's first experiment as written (one start less than apart). */
  @Test
  void startsWithAllThreeEmbeddedServersKeepsTheirDataAcrossAKill9AndRunsTheReadmesExperiment() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    var api = "http://localhost:" + WeftJar.arg(args, "server.port");
    var bolt = "bolt://localhost:" + WeftJar.arg(args, "weft.embedded.neo4j.bolt-port");
    var zookeeper = "localhost:" + WeftJar.arg(args, "weft.embedded.zookeeper.port");
    var kafka = "localhost:" + WeftJar.arg(args, "weft.embedded.kafka.port");
    var browser = "http://localhost:" + WeftJar.arg(args, "weft.embedded.neo4j.http-port") + "/browser/";

    try (var weft = startWeft("weft-1", args)) {
      assertThat(weft.output()).contains("Neo4j Browser  " + browser).contains("Embedded       zookeeper, kafka, neo4j");
      assertAllHealthy(api);
      assertThat(Http.get(browser).body()).contains("<title>Neo4j Browser</title>");

      try (var driver = GraphDatabase.driver(bolt, AuthTokens.none())) {
        driver.executableQuery("CREATE (:Survivor {name: 'graph'})").execute();
      }
      try (var zk = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200))) {
        zk.start();
        assertThat(zk.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        zk.create().creatingParentsIfNeeded().forPath("/weft-it/survivor", "znode".getBytes(StandardCharsets.UTF_8));
      }
      try (var producer = new KafkaProducer<String, String>(Map.of(
          ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all",
          ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
          ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
        producer.send(new ProducerRecord<>("weft-it.survivor", "k", "record")).get();
      }

      weft.kill();
    }

    try (var weft = startWeft("weft-2", args)) {
      assertAllHealthy(api);
      try (var driver = GraphDatabase.driver(bolt, AuthTokens.none())) {
        var records = driver.executableQuery("MATCH (s:Survivor) RETURN s.name AS name").execute().records();
        assertThat(records).extracting(r -> r.get("name").asString()).containsExactly("graph");
      }
      try (var zk = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200))) {
        zk.start();
        assertThat(zk.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
        assertThat(new String(zk.getData().forPath("/weft-it/survivor"), StandardCharsets.UTF_8)).isEqualTo("znode");
      }
      assertThat(consumeFromStart(kafka, "weft-it.survivor")).containsExactly("record");

      runTheReadmesFirstExperiment(args);
      assertThat(weft.stop(Duration.ofSeconds(60))).as("exit code after SIGTERM").isIn(0, 143);
    }
  }

  private void runTheReadmesFirstExperiment(List<String> args) throws Exception {
    var port = WeftJar.arg(args, "server.port");
    var api = new Api(Integer.parseInt(port));
    var commands = Readme.commands("A first experiment");
    assertThat(commands).as("the README's first experiment").anyMatch(c -> c.contains("EXPERIMENT_ID"));
    String id = null;
    for (var written : commands) {
      // the README's port and, once the answer has given it, the experiment's id
      var command = written.replace("localhost:8080", "localhost:" + port);
      if (command.contains("EXPERIMENT_ID")) {
        assertThat(id).as("an experiment id before: " + written).isNotNull();
        command = command.replace("EXPERIMENT_ID", id);
      }
      var output = Readme.run(command, workDir);
      if (output.contains("\"experimentId\"") && id == null) {
        id = JsonPath.read(output, "$.experimentId");
      }
      assertThat(output).as(written).doesNotContain("\"status\":4").doesNotContain("\"status\":5");
    }
    api.awaitState(id, "COMPLETED", Duration.ofMinutes(1));
  }

  @Test
  void aBusyPortStopsStartupWithOneClearMessageAndNoStackTrace() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    try (var squatter = new java.net.ServerSocket(Integer.parseInt(WeftJar.arg(args, "weft.embedded.kafka.port")))) {
      try (var weft = WeftJar.launch("weft-busy", workDir, args)) {
        assertThat(weft.waitForExit(STARTUP)).isNotZero();
        assertThat(weft.output())
            .contains("Port " + squatter.getLocalPort() + " needed by the embedded Kafka broker is already in use")
            .contains("set weft.embedded.kafka.port to a free port")
            .doesNotContain("\tat org.")
            .doesNotContain("Exception");
      }
    }
  }

  private JavaProcess startWeft(String name, List<String> args) {
    return WeftJar.launch(name, workDir, args).awaitOutput("Weft orchestrator is up", STARTUP);
  }

  private static void assertAllHealthy(String api) {
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      var body = Http.get(api + "/actuator/health").body();
      assertThat((String) JsonPath.read(body, "$.status")).isEqualTo("UP");
      for (var server : List.of("neo4j", "zookeeper", "kafka")) {
        assertThat((String) JsonPath.read(body, "$.components." + server + ".status")).as(server).isEqualTo("UP");
      }
    });
  }

  private static List<String> consumeFromStart(String bootstrap, String topic) {
    var values = new ArrayList<String>();
    try (var consumer = new KafkaConsumer<String, String>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "weft-it-" + System.nanoTime(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class))) {
      consumer.subscribe(List.of(topic));
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
        return !values.isEmpty();
      });
    }
    return values;
  }
}
