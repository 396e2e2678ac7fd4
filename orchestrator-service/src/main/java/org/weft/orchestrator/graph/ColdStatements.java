package org.weft.orchestrator.graph;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.template.DagProperties;

/**
 * Plans, at startup, the statements that settle gates and expand a task over an upstream output,
 * which no experiment runs before its first fan-out: planning them then cost that fan-out about
 * 0.8 s, more than the expansion itself. They run once on a small made-up experiment, in a
 * transaction that is rolled back, so that Neo4j caches their plans for the same parameter types
 * as real ones; nothing is written and nothing is sent. The throwaway expansion is timed by a meter
 * registry of its own, not {@code weft.dag.expansion}.
 */
@Component
public class ColdStatements {

  private static final Logger log = LoggerFactory.getLogger(ColdStatements.class);

  /**
   * A producer that has succeeded, two tasks repeated over its output (the second after the first,
   * so that their members pair up), a fan-in over the second and a condition on the producer.
   */
  static final String MADE_UP_EXPERIMENT = """
      CREATE (e:Experiment {id: $id, state: $experiment.EXECUTING, gated: true, eventSeq: 0, publishedSeq: 0,
                            createdAt: datetime()})
      WITH e
      UNWIND $nodes AS n
      CREATE (e)-[:HAS_TASK]->(t:TaskNode)
      SET t = n, t.id = $id + ':' + n.key, t.experimentId = $id, t.templateKey = n.key, t.member = -1,
          t.taskType = 'noop', t.maxAttempts = 1, t.backoffMs = 0, t.timeLimitMs = 60000, t.heartbeatTimeoutMs = 60000,
          t.outputsFrom = [], t.createdAt = e.createdAt
      """ + States.labelled("t") + """
      WITH e, collect(t) AS nodes
      UNWIND [[0, 1], [1, 2], [2, 3], [0, 4]] AS edge
      WITH nodes[edge[0]] AS a, nodes[edge[1]] AS b
      CREATE (a)-[:NEXT]->(b)""";

  private final Cypher cypher;
  private final TransactionTemplate transactions;
  private final Gates gates;

  ColdStatements(Cypher cypher, TransactionTemplate transactions, LiveDags liveDags, Dispatching dispatching,
      ExperimentMoves moves, DagProperties properties) {
    this.cypher = cypher;
    this.transactions = transactions;
    this.gates = new Gates(cypher, liveDags, dispatching, moves,
        new Expansions(cypher, properties, new SimpleMeterRegistry()), properties);
  }

  /**
   * Settles the made-up experiment's gates, then rolls everything back.
   *
   * @return how many dispatches the settling would have sent (three: two members and the condition)
   */
  public int plan() {
    long started = System.nanoTime();
    var id = "weft-cold-statements-" + UUID.randomUUID();
    var over = "${tasks.split.outputs.files}";
    var dispatches = transactions.execute(status -> {
      cypher.query(MADE_UP_EXPERIMENT).bindAll(Map.of("id", id, "nodes", List.of(
          Map.of("key", "split", "position", 0, "state", "SUCCEEDED", "isExecuted", true, "attempt", 1, "gates", true,
              "outputs", "{\"files\": [{\"name\": \"a\"}, {\"name\": \"b\"}], \"count\": 2}", "context", "{}"),
          Map.of("key", "map", "position", 1, "state", "WAITING", "isExecuted", false, "attempt", 0, "expandFrom", over,
              "context", "{\"forEach\": \"" + over + "\", \"params\": {\"chunk\": \"${item.name}\", \"i\": \"${index}\"}}"),
          Map.of("key", "watch", "position", 2, "state", "WAITING", "isExecuted", false, "attempt", 0, "expandFrom", over,
              "context", "{\"forEach\": \"" + over + "\", \"params\": {\"job\": \"${tasks.map.outputs.jobId}\"}}"),
          Map.of("key", "gather", "position", 3, "state", "WAITING", "isExecuted", false, "attempt", 0,
              "fansInFrom", List.of("watch"),
              "context", "{\"members\": {\"watch\": 0}, \"params\": {\"codes\": \"${tasks.watch.outputs.exitCode}\"}}"),
          Map.of("key", "check", "position", 4, "state", "WAITING", "isExecuted", false, "attempt", 0,
              "condition", "tasks.split.outputs.count > 1", "context", "{}")))).run();
      var effects = gates.settle(Set.of(id), System.currentTimeMillis());
      status.setRollbackOnly();
      return effects.dispatches().size();
    });
    log.debug("Gate and expansion statements planned in {} ms", (System.nanoTime() - started) / 1_000_000);
    return dispatches == null ? 0 : dispatches;
  }
}
