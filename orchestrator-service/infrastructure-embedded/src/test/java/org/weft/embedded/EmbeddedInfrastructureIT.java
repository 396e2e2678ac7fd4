package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
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
import org.neo4j.driver.exceptions.AuthenticationException;
import org.springframework.util.unit.DataSize;

/** The three servers for real, in this JVM, reached by their ordinary clients over the network. */
class EmbeddedInfrastructureIT {

  @TempDir
  Path dataDir;

  @Test
  void startsAllThreeServersAndTheirClientsTalkToThem() throws Exception {
    try (var infrastructure = EmbeddedInfrastructure.start(onFreePorts(dataDir), EmbeddedInfrastructure.Selection.ALL)) {
      assertThat(infrastructure.started()).containsExactly("zookeeper", "kafka", "neo4j");

      try (var driver = GraphDatabase.driver(infrastructure.neo4jBoltUri().orElseThrow(), AuthTokens.none())) {
        var answer = driver.executableQuery("RETURN $greeting AS greeting")
            .withParameters(Map.of("greeting", "hello")).execute();
        assertThat(answer.records().get(0).get("greeting").asString()).isEqualTo("hello");
      }

      try (var zk = curator(infrastructure)) {
        zk.create().creatingParentsIfNeeded().forPath("/weft-it/probe", "here".getBytes(StandardCharsets.UTF_8));
        assertThat(new String(zk.getData().forPath("/weft-it/probe"), StandardCharsets.UTF_8)).isEqualTo("here");
      }

      var bootstrap = infrastructure.kafkaBootstrapServers().orElseThrow();
      produce(bootstrap, "weft-it.probe", "k", "v");
      assertThat(consumeAll(bootstrap, "weft-it.probe", 1)).containsExactly("v");
    }
  }

  @Test
  void servesNeo4jBrowserOverHttp() throws Exception {
    try (var infrastructure = EmbeddedInfrastructure.start(onFreePorts(dataDir), onlyNeo4j())) {
      var browserUrl = infrastructure.neo4jBrowserUrl().orElseThrow();

      var page = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(browserUrl)).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());

      assertThat(page.statusCode()).isEqualTo(200);
      assertThat(page.body()).contains("<title>Neo4j Browser</title>");
      // Browser discovers the Bolt address from the server root; it must point at our Bolt port
      var discovery = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(browserUrl.replace("/browser/", "/"))).header("Accept", "application/json").build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(discovery.body()).contains(infrastructure.neo4jBoltUri().orElseThrow());
    }
  }

  @Test
  void keepsGraphZnodesAndTopicsAcrossARestart() throws Exception {
    var properties = onFreePorts(dataDir);
    try (var first = EmbeddedInfrastructure.start(properties, EmbeddedInfrastructure.Selection.ALL)) {
      try (var driver = GraphDatabase.driver(first.neo4jBoltUri().orElseThrow(), AuthTokens.none())) {
        driver.executableQuery("CREATE (:Survivor {name: 'graph'})").execute();
      }
      try (var zk = curator(first)) {
        zk.create().creatingParentsIfNeeded().forPath("/weft-it/survivor", "znode".getBytes(StandardCharsets.UTF_8));
      }
      produce(first.kafkaBootstrapServers().orElseThrow(), "weft-it.survivor", "k", "record");
    }

    try (var second = EmbeddedInfrastructure.start(properties, EmbeddedInfrastructure.Selection.ALL)) {
      try (var driver = GraphDatabase.driver(second.neo4jBoltUri().orElseThrow(), AuthTokens.none())) {
        var names = driver.executableQuery("MATCH (s:Survivor) RETURN s.name AS name").execute().records();
        assertThat(names).extracting(r -> r.get("name").asString()).containsExactly("graph");
      }
      try (var zk = curator(second)) {
        assertThat(new String(zk.getData().forPath("/weft-it/survivor"), StandardCharsets.UTF_8)).isEqualTo("znode");
      }
      assertThat(consumeAll(second.kafkaBootstrapServers().orElseThrow(), "weft-it.survivor", 1)).containsExactly("record");
    }
  }

  @Test
  void aPasswordMakesBoltRequireItAndChangingItTakesEffectAtTheNextStart() throws Exception {
    var open = onFreePorts(dataDir);
    var secured = withNeo4jPassword(open, "first-password");
    try (var infrastructure = EmbeddedInfrastructure.start(secured, onlyNeo4j())) {
      var bolt = infrastructure.neo4jBoltUri().orElseThrow();
      assertThat(answer(bolt, AuthTokens.basic("neo4j", "first-password"))).isEqualTo(1);
      assertThatThrownBy(() -> answer(bolt, AuthTokens.none())).isInstanceOf(AuthenticationException.class);
      assertThatThrownBy(() -> answer(bolt, AuthTokens.basic("neo4j", "wrong-password")))
          .isInstanceOf(AuthenticationException.class);
      assertThat(infrastructure.clientProperties()).containsEntry("spring.neo4j.authentication.username", "neo4j")
          .containsEntry("spring.neo4j.authentication.password", "first-password");
    }
    // the same password again is no error; a new one replaces it
    try (var again = EmbeddedInfrastructure.start(secured, onlyNeo4j())) {
      assertThat(answer(again.neo4jBoltUri().orElseThrow(), AuthTokens.basic("neo4j", "first-password"))).isEqualTo(1);
    }
    try (var changed = EmbeddedInfrastructure.start(withNeo4jPassword(open, "second-password"), onlyNeo4j())) {
      var bolt = changed.neo4jBoltUri().orElseThrow();
      assertThat(answer(bolt, AuthTokens.basic("neo4j", "second-password"))).isEqualTo(1);
      assertThatThrownBy(() -> answer(bolt, AuthTokens.basic("neo4j", "first-password")))
          .isInstanceOf(AuthenticationException.class);
    }
  }

  @Test
  void aTooShortPasswordIsRefusedBeforeAnythingStarts() {
    var properties = onFreePorts(dataDir);

    assertThatThrownBy(() -> withNeo4jPassword(properties, "short"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("weft.embedded.neo4j.password must have at least 8 characters");
  }

  private static int answer(String bolt, org.neo4j.driver.AuthToken auth) {
    try (var driver = GraphDatabase.driver(bolt, auth)) {
      return driver.executableQuery("RETURN 1 AS one").execute().records().get(0).get("one").asInt();
    }
  }

  @Test
  void aBusyPortIsOneClearErrorNamingThePortAndItsPropertyAndStartsNothing() throws Exception {
    try (var squatter = new ServerSocket(0)) {
      int busy = squatter.getLocalPort();
      var properties = withKafkaPort(onFreePorts(dataDir), busy);

      assertThatThrownBy(() -> EmbeddedInfrastructure.start(properties, EmbeddedInfrastructure.Selection.ALL))
          .isInstanceOf(PortInUseException.class)
          .hasMessage("Port %d needed by the embedded Kafka broker is already in use: free it or set "
              + "weft.embedded.kafka.port to another port", busy);
    }
    // ZooKeeper comes first in start order; it must not have been started and left behind
    assertThat(dataDir.resolve("zookeeper")).doesNotExist();
  }

  @Test
  void aServerThatFailsToStartStopsTheOnesAlreadyStarted() throws Exception {
    // a plain file where Neo4j's home should be: Neo4j, started last, fails
    Files.writeString(dataDir.resolve("neo4j"), "not a directory");
    var properties = onFreePorts(dataDir);

    assertThatThrownBy(() -> EmbeddedInfrastructure.start(properties, EmbeddedInfrastructure.Selection.ALL))
        .isInstanceOf(RuntimeException.class);

    // ZooKeeper and Kafka were started before Neo4j failed, so they were stopped and released their
    // ports; the same ports must now be free for a second attempt
    var again = EmbeddedInfrastructure.start(properties, new EmbeddedInfrastructure.Selection(true, true, false));
    again.close();
  }

  static EmbeddedProperties onFreePorts(Path dataDir) {
    var ports = new int[5];
    try (var free = new Ports("localhost")) {
      for (int i = 0; i < ports.length; i++) {
        ports[i] = free.reserve(0, "probe", "probe");
      }
    }
    return new EmbeddedProperties(true, dataDir, "localhost",
        new EmbeddedProperties.ZooKeeper(ports[0], Duration.ofMillis(500)),
        new EmbeddedProperties.Kafka(ports[1], ports[2]),
        new EmbeddedProperties.Neo4j(ports[3], ports[4], DataSize.ofMegabytes(64), true, true, null));
  }

  private static EmbeddedProperties withKafkaPort(EmbeddedProperties p, int port) {
    return new EmbeddedProperties(p.enabled(), p.dataDir(), p.host(), p.zookeeper(),
        new EmbeddedProperties.Kafka(port, p.kafka().controllerPort()), p.neo4j());
  }

  private static EmbeddedProperties withNeo4jPassword(EmbeddedProperties p, String password) {
    var n = p.neo4j();
    return new EmbeddedProperties(p.enabled(), p.dataDir(), p.host(), p.zookeeper(), p.kafka(),
        new EmbeddedProperties.Neo4j(n.boltPort(), n.httpPort(), n.pageCache(), n.inProcess(), n.browserStyle(), password));
  }

  private static EmbeddedInfrastructure.Selection onlyNeo4j() {
    return new EmbeddedInfrastructure.Selection(false, false, true);
  }

  private static CuratorFramework curator(EmbeddedInfrastructure infrastructure) throws InterruptedException {
    var client = CuratorFrameworkFactory.newClient(infrastructure.zookeeperConnectString().orElseThrow(), new RetryOneTime(200));
    client.start();
    assertThat(client.blockUntilConnected(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return client;
  }

  static void produce(String bootstrap, String topic, String key, String value) throws Exception {
    var config = Map.<String, Object>of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    try (var producer = new KafkaProducer<String, String>(config)) {
      producer.send(new ProducerRecord<>(topic, key, value)).get();
    }
  }

  static List<String> consumeAll(String bootstrap, String topic, int expected) {
    var config = Map.<String, Object>of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
        ConsumerConfig.GROUP_ID_CONFIG, "weft-it-" + System.nanoTime(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    var values = new ArrayList<String>();
    try (var consumer = new KafkaConsumer<String, String>(config)) {
      consumer.subscribe(List.of(topic));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (values.size() < expected && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> values.add(r.value()));
      }
    }
    return values;
  }
}
