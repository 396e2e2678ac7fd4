package org.weft.orchestrator.graph;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Component;

/** The constraints and indexes the graph model needs; every statement is idempotent. */
@Component
public class GraphSchema {

  private static final Logger log = LoggerFactory.getLogger(GraphSchema.class);

  static final List<String> STATEMENTS = List.of(
      "CREATE CONSTRAINT experiment_id IF NOT EXISTS FOR (e:Experiment) REQUIRE e.id IS UNIQUE",
      "CREATE CONSTRAINT experiment_idempotency_key IF NOT EXISTS FOR (e:Experiment) REQUIRE e.idempotencyKey IS UNIQUE",
      "CREATE CONSTRAINT task_node_id IF NOT EXISTS FOR (t:TaskNode) REQUIRE t.id IS UNIQUE",
      "CREATE CONSTRAINT master_dag_type_version IF NOT EXISTS FOR (m:MasterDag) REQUIRE (m.type, m.version) IS UNIQUE",
      "CREATE INDEX experiment_created_at IF NOT EXISTS FOR (e:Experiment) ON (e.createdAt)",
      "CREATE INDEX experiment_state IF NOT EXISTS FOR (e:Experiment) ON (e.state)",
      "CREATE INDEX experiment_type IF NOT EXISTS FOR (e:Experiment) ON (e.type)",
      "CREATE INDEX experiment_gateway IF NOT EXISTS FOR (e:Experiment) ON (e.gatewayId)",
      "CREATE INDEX task_node_experiment IF NOT EXISTS FOR (t:TaskNode) ON (t.experimentId)",
      "CREATE INDEX task_node_wake_at IF NOT EXISTS FOR (t:TaskNode) ON (t.wakeAt)",
      "CREATE INDEX task_node_speculate_at IF NOT EXISTS FOR (t:TaskNode) ON (t.speculateAt)",
      "CREATE INDEX experiment_events_pending IF NOT EXISTS FOR (e:Experiment) ON (e.eventsPending)",
      "CREATE INDEX event_experiment_seq IF NOT EXISTS FOR (v:Event) ON (v.experimentId, v.seq)",
      "CREATE CONSTRAINT webhook_id IF NOT EXISTS FOR (w:Webhook) REQUIRE w.id IS UNIQUE",
      "CREATE INDEX webhook_gateway IF NOT EXISTS FOR (w:Webhook) ON (w.gatewayId)",
      "CREATE CONSTRAINT webhook_delivery_id IF NOT EXISTS FOR (d:WebhookDelivery) REQUIRE d.id IS UNIQUE",
      "CREATE INDEX webhook_delivery_next_attempt IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.nextAttemptAt)",
      "CREATE INDEX webhook_delivery_stream IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.stream, d.seq)",
      "CREATE INDEX webhook_delivery_webhook IF NOT EXISTS FOR (d:WebhookDelivery) ON (d.webhookId, d.createdAt)",
      "CREATE CONSTRAINT data_object_id IF NOT EXISTS FOR (d:DataObject) REQUIRE d.id IS UNIQUE",
      "CREATE INDEX data_object_experiment IF NOT EXISTS FOR (d:DataObject) ON (d.experimentId)");

  /**
   * Databases written before events were published from memory marked each event published; now
   * each experiment records how far its events are published. Run once, while the old index on
   * {@code Event.published} still exists: an experiment with unpublished events is marked so that
   * the publisher's sweep sends them, the others as fully published.
   */
  static final String EVENTS_PUBLISHED_UPGRADE = """
      MATCH (e:Experiment) WHERE e.publishedSeq IS NULL
      CALL (e) {
        OPTIONAL MATCH (v:Event {experimentId: e.id}) WHERE v.published = false
        WITH e, min(v.seq) AS firstUnpublished
        SET e.publishedSeq = coalesce(firstUnpublished - 1, e.eventSeq),
            e.eventsPending = CASE WHEN firstUnpublished IS NULL THEN null ELSE true END,
            e.lastEventAt = 0
      } IN TRANSACTIONS OF 1000 ROWS""";

  /**
   * Databases written before events were stored in groups hold one node per event, with scalar
   * fields; each becomes a group of one ({@link StoredEvents}). Run once per database: a marker node
   * records that it has been.
   */
  static final String EVENTS_GROUPED_UPGRADE = """
      MATCH (v:Event) WHERE v.types IS NULL
      CALL (v) {
        SET v.last = v.seq, v.types = [coalesce(v.type, '')], v.taskKeys = [coalesce(v.taskKey, '')],
            v.states = [coalesce(v.state, '')], v.details = [coalesce(v.detail, '')]
        REMOVE v.type, v.taskKey, v.state, v.detail
      } IN TRANSACTIONS OF 10000 ROWS""";

  /**
   * Databases written before the ticks went through {@code TaskNode.wakeAt}: the attempts in flight
   * of running experiments, and the retries waiting in executing ones, get theirs (the earlier of
   * the two deadlines; the end of the backoff). Run once per database (marker node); it reads every
   * task node, as there is no index on the state alone.
   */
  static final String WAKE_AT_UPGRADE = """
      MATCH (t:TaskNode) WHERE t.state IN ['DISPATCHED', 'RUNNING', 'READY'] AND t.wakeAt IS NULL
      CALL (t) {
        MATCH (e:Experiment {id: t.experimentId})
        WITH t, e
        WHERE (t.state = 'READY' AND e.state = 'EXECUTING')
           OR (t.state <> 'READY' AND e.state IN ['EXECUTING', 'CANCELLING'])
        SET t.wakeAt = CASE WHEN t.state = 'READY' THEN coalesce(t.notBefore, 0)
                            WHEN t.heartbeatDeadline < t.timeLimitDeadline THEN t.heartbeatDeadline
                            ELSE t.timeLimitDeadline END
      } IN TRANSACTIONS OF 10000 ROWS""";

  /**
   * Databases written before task nodes carried the label of their state ({@link States#labelled})
   * get them. Run once per database (marker node).
   */
  static final String STATE_LABELS_UPGRADE = """
      MATCH (t:TaskNode)
      CALL (t) {
        """ + States.labelled("t") + """
      } IN TRANSACTIONS OF 10000 ROWS""";

  /**
   * Indexes of earlier versions that no query uses any more. Every index costs each write of its
   * property; a global one on {@code TaskNode.state} also tempted the planner into seeking every
   * waiting node of every experiment.
   */
  static final List<String> RETIRED = List.of(
      "DROP INDEX event_published IF EXISTS",
      "DROP INDEX task_node_dispatch IF EXISTS",
      "DROP INDEX task_node_state IF EXISTS",
      // the ticks went through it; they go through wakeAt now, and it changed twice per task
      "DROP INDEX task_node_experiment_state IF EXISTS");

  private final Neo4jClient neo4j;

  GraphSchema(Neo4jClient neo4j) {
    this.neo4j = neo4j;
  }

  public void apply() {
    // schema statements cannot share a transaction with writes: each runs in its own
    STATEMENTS.forEach(statement -> neo4j.query(statement).run());
    var legacyEvents = neo4j.query("SHOW INDEXES YIELD name WHERE name = 'event_published' RETURN count(*) > 0")
        .fetchAs(Boolean.class).one().orElse(false);
    if (legacyEvents) {
      neo4j.query(EVENTS_PUBLISHED_UPGRADE).run();
      log.info("Upgraded the experiments' event publication marks");
    }
    upgradeOnce("eventsGrouped", EVENTS_GROUPED_UPGRADE, "Audit events stored in groups");
    upgradeOnce("wakeAt", WAKE_AT_UPGRADE, "Attempts in flight and waiting retries given their wake-up times");
    upgradeOnce("stateLabels", STATE_LABELS_UPGRADE, "Task nodes labelled with their states");
    RETIRED.forEach(statement -> neo4j.query(statement).run());
    neo4j.query("CALL db.awaitIndexes(60)").run();
    log.info("Graph schema in place ({} constraints and indexes)", STATEMENTS.size());
  }

  /** Runs an upgrade unless the database's marker node says, under {@code flag}, that it has run. */
  private void upgradeOnce(String flag, String upgrade, String done) {
    var applied = neo4j.query("OPTIONAL MATCH (s:WeftSchema {name: 'graph'}) RETURN coalesce(s." + flag + ", false)")
        .fetchAs(Boolean.class).one().orElse(false);
    if (!applied) {
      neo4j.query(upgrade).bindAll(States.of(upgrade)).run();
      neo4j.query("MERGE (s:WeftSchema {name: 'graph'}) SET s." + flag + " = true").run();
      log.info(done);
    }
  }
}
