package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.QueryPlans;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * The owner's timers run every tick for every experiment it owns: what they read must grow with what
 * is due, not with what runs, or an orchestrator with thousands of long jobs running burns a core
 * doing nothing.
 */
@WeftIntegrationTest
class TickStatementsIT {

  private static final long NOW = 1_000_000L;

  @Value("${spring.neo4j.uri}")
  String boltUri;

  @Autowired
  Neo4jClient neo4j;

  private final List<String> running = new ArrayList<>();

  @BeforeEach
  void manyExperimentsRunningWithNothingDue() {
    for (int i = 0; i < 200; i++) {
      running.add("tick-" + i);
    }
    neo4j.query("""
            UNWIND $ids AS id
            CREATE (:Experiment {id: id, state: 'EXECUTING', createdAt: datetime()})
            CREATE (:TaskNode {id: id + ':run', experimentId: id, key: 'run', position: 0, state: 'RUNNING',
                               heartbeatDeadline: $now + 30000, timeLimitDeadline: $now + 90000, wakeAt: $now + 30000})
            CREATE (:TaskNode {id: id + ':retry', experimentId: id, key: 'retry', position: 1, state: 'READY',
                               notBefore: $now + 5000, wakeAt: $now + 5000})""")
        .bindAll(Map.of("ids", running, "now", NOW)).run();
  }

  @AfterEach
  void forgetThem() {
    neo4j.query("MATCH (n) WHERE (n:Experiment OR n:TaskNode) AND n.id STARTS WITH 'tick-' DETACH DELETE n").run();
  }

  @Test
  void lookingForExpiredAttemptsReadsNothingWhenNoneIsDue() {
    assertThat(QueryPlans.rowsProduced(boltUri, Timers.EXPIRED, BoundStates.bound(Timers.EXPIRED,
        Map.of("ids", running, "now", NOW)))).isZero();
  }

  @Test
  void lookingForDueRetriesReadsNothingWhenNoneIsDue() {
    var statement = Timers.DUE_RETRIES + Dispatching.MARK_DISPATCHED;
    assertThat(QueryPlans.rowsProduced(boltUri, statement, BoundStates.bound(statement,
        Map.of("ids", running, "now", NOW, "at", ZonedDateTime.now(), "redeliverMs", 300_000)))).isZero();
  }

  @Test
  void lookingForLongQueuedAttemptsReadsNothingWhenNoneIsDue() {
    assertThat(QueryPlans.rowsProduced(boltUri, Timers.LONG_QUEUED, BoundStates.bound(Timers.LONG_QUEUED,
        Map.of("ids", running, "now", NOW, "redeliverMs", 300_000)))).isZero();
  }

  @Test
  void anAttemptQueuedForAWorkerNeverExpiresAndIsSentAgainAfterRedeliverAfter() {
    neo4j.query("""
            MATCH (t:TaskNode {id: 'tick-7:run'})
            SET t.state = 'DISPATCHED', t.heartbeatDeadline = null, t.timeLimitDeadline = null, t.wakeAt = $now - 1,
                t.taskType = 'noop', t.attempt = 1, t.dispatchId = 'd-7', t.context = '{}', t.timeLimitMs = 60000""")
        .bind(NOW).to("now").run();

    var expired = neo4j.query(Timers.EXPIRED)
        .bindAll(BoundStates.bound(Timers.EXPIRED, Map.of("ids", running, "now", NOW + 3_600_000)))
        .fetchAs(String.class).mappedBy((types, row) -> row.get("id").asString()).all();
    var queued = neo4j.query(Timers.LONG_QUEUED)
        .bindAll(BoundStates.bound(Timers.LONG_QUEUED, Map.of("ids", running, "now", NOW, "redeliverMs", 300_000)))
        .fetchAs(String.class).mappedBy((types, row) -> row.get("dispatchId").asString()).all();
    var wakeAt = neo4j.query("MATCH (t:TaskNode {id: 'tick-7:run'}) RETURN t.wakeAt").fetchAs(Long.class).one();

    assertThat(expired).as("expired an hour later").doesNotContain("tick-7:run").contains("tick-8:run");
    assertThat(queued).containsExactly("d-7");
    assertThat(wakeAt).contains(NOW + 300_000);
  }

  @Test
  void anAttemptPastItsHeartbeatTimeoutIsFoundAndOnlyIt() {
    neo4j.query("MATCH (t:TaskNode {id: 'tick-7:run'}) SET t.heartbeatDeadline = $now - 1, t.wakeAt = $now - 1")
        .bind(NOW).to("now").run();

    var expired = neo4j.query(Timers.EXPIRED)
        .bindAll(BoundStates.bound(Timers.EXPIRED, Map.of("ids", running, "now", NOW)))
        .fetchAs(String.class).mappedBy((types, row) -> row.get("id").asString()).all();

    assertThat(expired).containsExactly("tick-7:run");
  }

  @Test
  void anExpiredAttemptOfAnExperimentOwnedElsewhereIsLeftToItsOwner() {
    neo4j.query("MATCH (t:TaskNode {id: 'tick-7:run'}) SET t.heartbeatDeadline = $now - 1, t.wakeAt = $now - 1")
        .bind(NOW).to("now").run();

    var expired = neo4j.query(Timers.EXPIRED)
        .bindAll(BoundStates.bound(Timers.EXPIRED, Map.of("ids", running.subList(8, 200), "now", NOW)))
        .fetchAs(String.class).mappedBy((types, row) -> row.get("id").asString()).all();

    assertThat(expired).isEmpty();
  }
}
