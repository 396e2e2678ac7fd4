package org.weft.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.neo4j.graphdb.GraphDatabaseService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The servers Weft started in this JVM: ZooKeeper, then Kafka, then Neo4j, each only where it was
 * selected. Closing stops them in reverse order. A server that fails to start closes the ones
 * already started, so no stray server thread keeps the JVM alive.
 */
public final class EmbeddedInfrastructure implements AutoCloseable {

  /** The client properties each server answers; set only for the servers started here. */
  static final String ZOOKEEPER_ADDRESS = "weft.zookeeper.connect-string";
  static final String KAFKA_ADDRESS = "spring.kafka.bootstrap-servers";
  static final String NEO4J_ADDRESS = "spring.neo4j.uri";
  /** The servers running in this JVM, comma-separated; absent where none does. */
  public static final String RUNNING = "weft.embedded.running";
  /** Neo4j Browser's address, where Neo4j runs here. */
  public static final String BROWSER_URL = "weft.embedded.neo4j-browser-url";

  private static final Logger log = LoggerFactory.getLogger(EmbeddedInfrastructure.class);

  /** Which servers to start in-process. */
  public record Selection(boolean zookeeper, boolean kafka, boolean neo4j) {
    public static final Selection ALL = new Selection(true, true, true);

    boolean any() {
      return zookeeper || kafka || neo4j;
    }
  }

  private final Deque<AutoCloseable> running;
  private final EmbeddedZooKeeper zookeeper;
  private final EmbeddedKafka kafka;
  private final EmbeddedNeo4j neo4j;

  private EmbeddedInfrastructure(
      Deque<AutoCloseable> running, EmbeddedZooKeeper zookeeper, EmbeddedKafka kafka, EmbeddedNeo4j neo4j) {
    this.running = running;
    this.zookeeper = zookeeper;
    this.kafka = kafka;
    this.neo4j = neo4j;
  }

  public static EmbeddedInfrastructure start(EmbeddedProperties properties, Selection selection) {
    var host = properties.host();
    var data = properties.dataDir();
    int zkPort;
    int kafkaPort;
    int controllerPort;
    int boltPort;
    int httpPort;
    // every port is reserved before anything starts, so a busy Kafka port does not first start ZooKeeper
    try (var ports = new Ports(host)) {
      zkPort = selection.zookeeper()
          ? ports.reserve(properties.zookeeper().port(), "ZooKeeper", "weft.embedded.zookeeper.port") : -1;
      kafkaPort = selection.kafka()
          ? ports.reserve(properties.kafka().port(), "Kafka broker", "weft.embedded.kafka.port") : -1;
      controllerPort = selection.kafka()
          ? ports.reserve(properties.kafka().controllerPort(), "Kafka controller", "weft.embedded.kafka.controller-port") : -1;
      boltPort = selection.neo4j()
          ? ports.reserve(properties.neo4j().boltPort(), "Neo4j (Bolt)", "weft.embedded.neo4j.bolt-port") : -1;
      httpPort = selection.neo4j()
          ? ports.reserve(properties.neo4j().httpPort(), "Neo4j (HTTP, Browser)", "weft.embedded.neo4j.http-port") : -1;
    }

    Deque<AutoCloseable> running = new ArrayDeque<>();
    try {
      EmbeddedZooKeeper zk = null;
      EmbeddedKafka broker = null;
      EmbeddedNeo4j graph = null;
      if (selection.zookeeper()) {
        zk = EmbeddedZooKeeper.start(data.resolve("zookeeper"), host, zkPort, properties.zookeeper().tickTime());
        running.push(zk);
      }
      if (selection.kafka()) {
        broker = EmbeddedKafka.start(data.resolve("kafka"), host, kafkaPort, controllerPort);
        running.push(broker);
      }
      if (selection.neo4j()) {
        graph = EmbeddedNeo4j.start(data.resolve("neo4j"), host, boltPort, httpPort, properties.neo4j());
        running.push(graph);
      }
      return new EmbeddedInfrastructure(running, zk, broker, graph);
    } catch (IOException e) {
      closeAll(running);
      throw new UncheckedIOException("Cannot start the embedded infrastructure in " + data.toAbsolutePath(), e);
    } catch (InterruptedException e) {
      closeAll(running);
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while starting the embedded infrastructure", e);
    } catch (RuntimeException | Error e) {
      closeAll(running);
      throw e;
    }
  }

  public Optional<String> zookeeperConnectString() {
    return Optional.ofNullable(zookeeper).map(EmbeddedZooKeeper::connectString);
  }

  public Optional<String> kafkaBootstrapServers() {
    return Optional.ofNullable(kafka).map(EmbeddedKafka::bootstrapServers);
  }

  public Optional<String> neo4jBoltUri() {
    return Optional.ofNullable(neo4j).map(EmbeddedNeo4j::boltUri);
  }

  /** The embedded database, when Neo4j runs here. */
  Optional<GraphDatabaseService> neo4jDatabase() {
    return Optional.ofNullable(neo4j).map(EmbeddedNeo4j::database);
  }

  public Optional<String> neo4jBrowserUrl() {
    return Optional.ofNullable(neo4j).map(EmbeddedNeo4j::browserUrl);
  }

  /** The names of the servers running here, in start order. */
  public List<String> started() {
    var names = new java.util.ArrayList<String>();
    zookeeperConnectString().ifPresent(a -> names.add("zookeeper"));
    kafkaBootstrapServers().ifPresent(a -> names.add("kafka"));
    neo4jBoltUri().ifPresent(a -> names.add("neo4j"));
    return List.copyOf(names);
  }

  /**
   * The properties that point Weft's clients at the servers started here, and say which run here
   * ({@value #RUNNING}) and where Neo4j Browser is ({@value #BROWSER_URL}) to whoever reports it:
   * the orchestrator reads them from its environment, without depending on this module.
   */
  Map<String, Object> clientProperties() {
    var properties = new LinkedHashMap<String, Object>();
    zookeeperConnectString().ifPresent(a -> properties.put(ZOOKEEPER_ADDRESS, a));
    kafkaBootstrapServers().ifPresent(a -> properties.put(KAFKA_ADDRESS, a));
    neo4jBoltUri().ifPresent(a -> properties.put(NEO4J_ADDRESS, a));
    // this process's Bolt clients (Spring's driver when the database is not reached in process)
    Optional.ofNullable(neo4j).flatMap(EmbeddedNeo4j::password).ifPresent(password -> {
      properties.put("spring.neo4j.authentication.username", EmbeddedProperties.Neo4j.USER);
      properties.put("spring.neo4j.authentication.password", password);
    });
    properties.put(RUNNING, String.join(", ", started()));
    neo4jBrowserUrl().ifPresent(url -> properties.put(BROWSER_URL, url));
    return properties;
  }

  @Override
  public synchronized void close() {
    closeAll(running);
  }

  private static void closeAll(Deque<AutoCloseable> running) {
    while (!running.isEmpty()) {
      var server = running.pop();
      try {
        server.close();
      } catch (Exception e) {
        // keep going: the servers after this one must stop too
        log.warn("Stopping {} failed", server.getClass().getSimpleName(), e);
      }
    }
  }
}
