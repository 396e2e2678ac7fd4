package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class GraphSchemaIT {

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  GraphSchema schema;

  @Autowired
  LiveDags liveDags;

  @Test
  void theUniquenessConstraintsOfTheContractExist() {
    var constraints = neo4j.query("SHOW CONSTRAINTS YIELD name RETURN name").fetchAs(String.class).all();

    assertThat(constraints).contains("experiment_id", "task_node_id", "master_dag_type_version", "experiment_idempotency_key");
  }

  @Test
  void applyingTheSchemaAgainChangesNothing() {
    var before = neo4j.query("SHOW INDEXES YIELD name RETURN count(*) AS n").fetchAs(Long.class).one().orElseThrow();

    schema.apply();

    assertThat(neo4j.query("SHOW INDEXES YIELD name RETURN count(*) AS n").fetchAs(Long.class).one()).contains(before);
  }

  @Test
  void indexesNoQueryUsesAreDroppedFromAnOlderDatabase() {
    neo4j.query("CREATE INDEX task_node_state IF NOT EXISTS FOR (t:TaskNode) ON (t.state)").run();
    neo4j.query("CREATE INDEX task_node_experiment_state IF NOT EXISTS FOR (t:TaskNode) ON (t.experimentId, t.state)")
        .run();

    schema.apply();

    assertThat(neo4j.query("SHOW INDEXES YIELD name RETURN name").fetchAs(String.class).all())
        .doesNotContain("task_node_state", "task_node_dispatch", "task_node_experiment_state")
        .contains("task_node_experiment", "task_node_wake_at");
  }

  @Test
  void anOlderDatabasesUnpublishedEventsAreLeftForThePublisherAndItsPublishedOnesAreNot() {
    neo4j.query("CREATE INDEX event_published IF NOT EXISTS FOR (v:Event) ON (v.published)").run();
    neo4j.query("""
            CREATE (:Experiment {id: 'legacy-1', state: 'COMPLETED', eventSeq: 3, createdAt: datetime()}),
                   (:Event {experimentId: 'legacy-1', seq: 1, published: true}),
                   (:Event {experimentId: 'legacy-1', seq: 2, published: false}),
                   (:Event {experimentId: 'legacy-1', seq: 3, published: false}),
                   (:Experiment {id: 'legacy-2', state: 'COMPLETED', eventSeq: 2, createdAt: datetime()}),
                   (:Event {experimentId: 'legacy-2', seq: 1, published: true}),
                   (:Event {experimentId: 'legacy-2', seq: 2, published: true})""").run();
    try {
      schema.apply();

      var marks = neo4j.query("""
              MATCH (e:Experiment) WHERE e.id IN ['legacy-1', 'legacy-2']
              RETURN e.id AS id, e.publishedSeq AS published, e.eventsPending AS pending ORDER BY id""")
          .fetch().all().stream().toList();
      assertThat(marks.get(0)).containsEntry("published", 1L).containsEntry("pending", true);
      assertThat(marks.get(1)).containsEntry("published", 2L).containsEntry("pending", null);
      assertThat(neo4j.query("SHOW INDEXES YIELD name RETURN name").fetchAs(String.class).all())
          .doesNotContain("event_published").contains("experiment_events_pending");
    } finally {
      neo4j.query("""
              MATCH (n) WHERE (n:Experiment OR n:Event) AND (n.id STARTS WITH 'legacy-' OR n.experimentId STARTS WITH 'legacy-')
              DETACH DELETE n""").run();
    }
  }

  @Test
  void anOlderDatabasesEventsBecomeGroupsOfOneAndReadAsBefore() {
    neo4j.query("""
            CREATE (:Experiment {id: 'legacy-3', state: 'COMPLETED', eventSeq: 2, publishedSeq: 2, createdAt: datetime()}),
                   (:Event {experimentId: 'legacy-3', seq: 1, at: datetime('2026-11-01T10:00:00Z'),
                            type: 'experiment.state', state: 'CREATED', detail: 'from master DAG x version 1'}),
                   (:Event {experimentId: 'legacy-3', seq: 2, at: datetime('2026-11-01T10:00:01Z'),
                            type: 'task.state', taskKey: 'a', state: 'DISPATCHED'})""").run();
    neo4j.query("MATCH (s:WeftSchema) DELETE s").run();
    try {
      schema.apply();

      var events = liveDags.events("legacy-3").orElseThrow();
      assertThat(events).extracting(LiveDagViews.Event::seq).containsExactly(1L, 2L);
      assertThat(events.get(0)).extracting(LiveDagViews.Event::type, LiveDagViews.Event::taskKey,
          LiveDagViews.Event::state, LiveDagViews.Event::detail)
          .containsExactly("experiment.state", null, "CREATED", "from master DAG x version 1");
      assertThat(events.get(1)).extracting(LiveDagViews.Event::taskKey, LiveDagViews.Event::state,
          LiveDagViews.Event::detail).containsExactly("a", "DISPATCHED", null);
      assertThat(neo4j.query("MATCH (s:WeftSchema {name: 'graph'}) RETURN s.eventsGrouped")
          .fetchAs(Boolean.class).one()).contains(true);
    } finally {
      neo4j.query("MATCH (n) WHERE (n:Experiment AND n.id = 'legacy-3') OR (n:Event AND n.experimentId = 'legacy-3') DELETE n")
          .run();
    }
  }

  @Test
  void anOlderDatabasesAttemptsInFlightAndWaitingRetriesGetTheirWakeUpTimes() {
    neo4j.query("""
            CREATE (:Experiment {id: 'legacy-4', state: 'EXECUTING', createdAt: datetime()}),
                   (:Experiment {id: 'legacy-5', state: 'FAILED', createdAt: datetime()}),
                   (:TaskNode {id: 'legacy-4:a', experimentId: 'legacy-4', state: 'RUNNING',
                               heartbeatDeadline: 5000, timeLimitDeadline: 9000}),
                   (:TaskNode {id: 'legacy-4:b', experimentId: 'legacy-4', state: 'DISPATCHED',
                               heartbeatDeadline: 8000, timeLimitDeadline: 6000}),
                   (:TaskNode {id: 'legacy-4:c', experimentId: 'legacy-4', state: 'READY', notBefore: 7000}),
                   (:TaskNode {id: 'legacy-4:d', experimentId: 'legacy-4', state: 'WAITING'}),
                   (:TaskNode {id: 'legacy-5:a', experimentId: 'legacy-5', state: 'READY', notBefore: 7000})""").run();
    neo4j.query("MATCH (s:WeftSchema) DELETE s").run();
    try {
      schema.apply();

      var wakeAt = new HashMap<String, Object>();
      neo4j.query("MATCH (t:TaskNode) WHERE t.id STARTS WITH 'legacy-' RETURN t.id AS id, t.wakeAt AS wakeAt")
          .fetch().all().forEach(row -> wakeAt.put((String) row.get("id"), row.get("wakeAt")));
      assertThat(wakeAt).containsEntry("legacy-4:a", 5000L).containsEntry("legacy-4:b", 6000L)
          .containsEntry("legacy-4:c", 7000L).containsEntry("legacy-4:d", null).containsEntry("legacy-5:a", null);
      assertThat(neo4j.query("MATCH (s:WeftSchema {name: 'graph'}) RETURN s.wakeAt")
          .fetchAs(Boolean.class).one()).contains(true);
    } finally {
      neo4j.query("MATCH (n) WHERE (n:Experiment OR n:TaskNode) AND n.id STARTS WITH 'legacy-' DELETE n").run();
    }
  }

  @Test
  void anOlderDatabasesTaskNodesGetTheLabelsOfTheirStates() {
    neo4j.query("""
            CREATE (:TaskNode {id: 'legacy-6:a', experimentId: 'legacy-6', state: 'FAILED'}),
                   (:TaskNode {id: 'legacy-6:b', experimentId: 'legacy-6', state: 'WAITING'})""").run();
    neo4j.query("MATCH (s:WeftSchema) DELETE s").run();
    try {
      schema.apply();

      var labels = new HashMap<String, Object>();
      neo4j.query("MATCH (t:TaskNode {experimentId: 'legacy-6'}) RETURN t.id AS id, labels(t) AS labels")
          .fetch().all().forEach(row -> labels.put((String) row.get("id"), row.get("labels")));
      assertThat(labels).containsEntry("legacy-6:a", List.of("TaskNode", "Failed"))
          .containsEntry("legacy-6:b", List.of("TaskNode", "Waiting"));
    } finally {
      neo4j.query("MATCH (n:TaskNode {experimentId: 'legacy-6'}) DELETE n").run();
    }
  }

  @Test
  void aSecondMasterDagWithTheSameTypeAndVersionIsRefusedByTheDatabase() {
    neo4j.query("CREATE (:MasterDag {type: 'schema-probe', version: 1})").run();
    try {
      assertThatThrownBy(() -> neo4j.query("CREATE (:MasterDag {type: 'schema-probe', version: 1})").run())
          .isInstanceOf(DataIntegrityViolationException.class);
    } finally {
      // the context is shared: a bare MasterDag would show up in other tests' listings
      neo4j.query("MATCH (m:MasterDag {type: 'schema-probe'}) DELETE m").run();
    }
  }
}
