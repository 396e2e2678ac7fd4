package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.Record;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.dao.InvalidDataAccessResourceUsageException;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The process that hosts Neo4j reaches it in process: what Spring Data Neo4j gets back, and the
 * errors it translates, must be what it gets over Bolt.
 */
@SpringBootTest(classes = InProcessDriverIT.Neo4jOnly.class, properties = {
    // ZooKeeper and Kafka have addresses, so only Neo4j is started here
    "weft.zookeeper.connect-string=localhost:1", "spring.kafka.bootstrap-servers=localhost:1",
    "weft.embedded.data-dir=target/it-data/${random.uuid}", "weft.embedded.neo4j.bolt-port=0",
    "weft.embedded.neo4j.http-port=0", "weft.embedded.neo4j.page-cache=64MB"})
class InProcessDriverIT {

  /** Spring Data Neo4j's auto-configuration and the embedded Neo4j, nothing else. */
  @SpringBootApplication
  static class Neo4jOnly {}

  @Autowired
  Driver driver;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TransactionTemplate transactions;

  @Value("${spring.neo4j.uri}")
  String boltUri;

  @Test
  void theHostingProcessReachesNeo4jInProcessWhileBoltStaysOpen() {
    assertThat(driver).isInstanceOf(InProcessDriver.class);
    try (var bolt = GraphDatabase.driver(boltUri, AuthTokens.none()); var session = bolt.session()) {
      assertThat(session.run("RETURN 1 AS one").single().get("one").asLong()).isEqualTo(1);
    }
  }

  @Test
  void rowsAreWhatBoltReturnsForValuesNodesRelationshipsAndPaths() {
    var id = UUID.randomUUID().toString();
    neo4j.query("""
            CREATE (a:DriverProbe {id: $id, name: 'a', count: 42, ratio: 0.5, ok: true, tags: ['x', 'y'],
                                   sizes: [1, 2, 3], at: datetime('2026-11-29T10:15:30.123Z')})
                   -[:LINKS {weight: 7}]->(b:DriverProbe {id: $id + '-b'})""")
        .bind(id).to("id").run();
    var query = """
        MATCH p = (a:DriverProbe {id: $id})-[r:LINKS]->(b)
        RETURN a, r, p, a {.*} AS projected, [a.count, a.ratio, null] AS list, {nested: {deep: a.tags}} AS map,
               a.at AS at, a.sizes AS sizes, a.missing AS missing""";
    List<Record> inProcess;
    try (var session = driver.session()) {
      inProcess = session.run(query, Map.of("id", id)).list();
    }
    try (var bolt = GraphDatabase.driver(boltUri, AuthTokens.none()); var session = bolt.session()) {
      var overBolt = session.run(query, Map.of("id", id)).list();
      assertThat(inProcess).hasSize(1);
      assertThat(inProcess.get(0).keys()).isEqualTo(overBolt.get(0).keys());
      assertThat(inProcess.get(0).asMap()).isEqualTo(overBolt.get(0).asMap());
      var node = inProcess.get(0).get("a").asNode();
      var boltNode = overBolt.get(0).get("a").asNode();
      assertThat(node.elementId()).isEqualTo(boltNode.elementId());
      assertThat(node.labels()).containsExactlyElementsOf(boltNode.labels());
      assertThat(node.asMap()).isEqualTo(boltNode.asMap());
      assertThat(inProcess.get(0).get("r").asRelationship().asMap()).isEqualTo(Map.of("weight", 7L));
      assertThat(inProcess.get(0).get("p").asPath().length()).isEqualTo(1);
    }
    // and as Spring Data Neo4j maps them
    var row = neo4j.query("MATCH (a:DriverProbe {id: $id}) RETURN a.tags AS tags, a.count AS count, a.at AS at")
        .bind(id).to("id").fetch().one().orElseThrow();
    assertThat(row.get("tags")).isEqualTo(List.of("x", "y"));
    assertThat(row.get("count")).isEqualTo(42L);
    assertThat(row.get("at")).isInstanceOf(java.time.ZonedDateTime.class);
  }

  @Test
  void parametersArriveAsTheyWereBound() {
    var parameters = Map.<String, Object>of("text", "é\"'", "number", 7, "list", List.of(1, "two"),
        "map", Map.of("k", List.of(Map.of("deep", true))));
    var echoed = neo4j.query("RETURN $text AS text, $number AS number, $list AS list, $map AS map")
        .bindAll(parameters).fetch().one().orElseThrow();
    assertThat(echoed).isEqualTo(Map.of("text", "é\"'", "number", 7L, "list", List.of(1L, "two"),
        "map", Map.of("k", List.of(Map.of("deep", true)))));
  }

  @Test
  void aConstraintViolationIsADataIntegrityViolationAndWritesNothing() {
    neo4j.query("CREATE CONSTRAINT unique_probe_id IF NOT EXISTS FOR (p:UniqueProbe) REQUIRE p.id IS UNIQUE").run();
    var id = UUID.randomUUID().toString();
    assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
      neo4j.query("CREATE (:UniqueProbe {id: $id})").bind(id).to("id").run();
      neo4j.query("CREATE (:UniqueProbe {id: $id})").bind(id).to("id").run();
    })).isInstanceOf(DataIntegrityViolationException.class);

    assertThat(count("MATCH (p:UniqueProbe {id: $id}) RETURN count(p)", id)).isZero();
  }

  @Test
  void aBadStatementIsReportedWithItsStatusCode() {
    assertThatThrownBy(() -> neo4j.query("RETURN nonsense(").run())
        .isInstanceOf(InvalidDataAccessResourceUsageException.class)
        .hasMessageContaining("Neo.ClientError.Statement.SyntaxError");
  }

  @Test
  void aTransactionClosedWithoutCommitWritesNothing() {
    var id = UUID.randomUUID().toString();
    try (var session = driver.session(); var transaction = session.beginTransaction()) {
      transaction.run("CREATE (:DriverProbe {id: $id})", Map.of("id", id));
    }
    assertThatThrownBy(() -> transactions.executeWithoutResult(status -> {
      neo4j.query("CREATE (:DriverProbe {id: $id})").bind(id).to("id").run();
      throw new IllegalStateException("abandoned");
    })).isInstanceOf(IllegalStateException.class);

    assertThat(count("MATCH (p:DriverProbe {id: $id}) RETURN count(p)", id)).isZero();
  }

  @Test
  void aStatementOutsideATransactionMayCommitInBatchesOfItsOwn() {
    var id = UUID.randomUUID().toString();
    neo4j.query("""
            UNWIND range(1, 10) AS i
            CALL (i) { CREATE (:DriverProbe {id: $id, i: i}) } IN TRANSACTIONS OF 3 ROWS""")
        .bind(id).to("id").run();

    assertThat(count("MATCH (p:DriverProbe {id: $id}) RETURN count(p)", id)).isEqualTo(10);
  }

  @Test
  void aPendingInterruptNeitherReachesTheDatabaseNorIsLost() {
    var id = UUID.randomUUID().toString();
    Thread.currentThread().interrupt();
    try {
      transactions.executeWithoutResult(status ->
          neo4j.query("CREATE (:DriverProbe {id: $id, payload: $payload})")
              .bindAll(Map.of("id", id, "payload", "x".repeat(10_000))).run());
      assertThat(Thread.currentThread().isInterrupted()).isTrue();
    } finally {
      Thread.interrupted();
    }

    // committed, and the database still works
    assertThat(count("MATCH (p:DriverProbe {id: $id}) RETURN count(p)", id)).isEqualTo(1);
  }

  private long count(String query, String id) {
    return neo4j.query(query).bind(id).to("id").fetchAs(Long.class).one().orElseThrow();
  }
}
