package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.Conditions;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.Placeholders;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;

/**
 * The nodes the statements that dispatch ready nodes leave alone: those with a condition
 * ({@code when}), those repeated over an upstream task's output, and those every predecessor of
 * which was skipped. Once all their predecessors are done, in the same transaction, each is
 * dispatched, skipped, expanded ({@link Expansions}), or (a condition or an expansion that cannot be
 * evaluated) failed, which fails its experiment. A skip or an expansion can make more nodes ready,
 * so it goes on until nothing changes, dispatching those too. Only experiments with such nodes
 * ({@code gated}) are looked at, so templates without them pay nothing for them.
 */
@Component
class Gates {

  /**
   * The nodes of gated experiments {@code $ids} left waiting although their predecessors are done
   * (executed, skipped or expanded); {@code orphaned} when some were skipped and none executed.
   */
  static final String WAITING_AT_GATE = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.gated AND e.state = $experiment.EXECUTING
      MATCH (e)-[:HAS_TASK]->(s:TaskNode)
      WHERE s.state = $task.WAITING
        AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE
            """ + Dispatching.unsettled("p") + """
            }
      WITH s, """ + Dispatching.ORPHANED + """
          AS orphaned
      RETURN s.id AS id, s.experimentId AS experimentId, s.key AS key, s.condition AS condition, s.context AS context,
             s.expandFrom AS expandFrom, orphaned
      ORDER BY s.experimentId, s.position, s.member""";

  private static final int MAX_ROUNDS = 10_000;

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final Dispatching dispatching;
  private final ExperimentMoves moves;
  private final Expansions expansions;
  private final long redeliverMs;

  Gates(Cypher cypher, LiveDags liveDags, Dispatching dispatching, ExperimentMoves moves, Expansions expansions,
      DagProperties properties) {
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.dispatching = dispatching;
    this.moves = moves;
    this.expansions = expansions;
    this.redeliverMs = properties.defaults().redeliverAfter().toMillis();
  }

  /** The outputs of an executed node a condition reads; {@code member} is -1 for a node that is not a member. */
  private record Produced(String key, int member, String outputs) {}

  private record Waiting(String id, String experimentId, String key, String condition, String context,
      String expandFrom, boolean orphaned) {}

  /**
   * Settles the nodes waiting at a gate in experiments {@code experimentIds}, in the caller's
   * transaction, and completes those of them left with nothing to run.
   */
  Effects settle(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    var events = new ArrayList<LiveDags.PendingEvent>();
    var dispatches = new ArrayList<TaskDispatch>();
    var controls = new ArrayList<TaskControl>();
    var ended = new LinkedHashSet<String>();
    var open = new LinkedHashSet<>(experimentIds);
    for (int round = 0; round < MAX_ROUNDS && !open.isEmpty(); round++) {
      var waiting = List.copyOf(cypher.query(WAITING_AT_GATE).bind(List.copyOf(open)).to("ids")
          .fetchAs(Waiting.class).mappedBy((types, row) -> new Waiting(row.get("id").asString(),
              row.get("experimentId").asString(), row.get("key").asString(), Rows.text(row.get("condition")),
              row.get("context").asString(), Rows.text(row.get("expandFrom")), row.get("orphaned").asBoolean()))
          .all());
      if (waiting.isEmpty()) {
        break;
      }
      var run = new ArrayList<Waiting>();
      var skip = new LinkedHashMap<Waiting, String>();
      var failed = new LinkedHashMap<String, Waiting>();
      var reasons = new HashMap<Waiting, String>();
      var expanded = new LinkedHashSet<String>();
      for (var node : waiting) {
        if (failed.containsKey(node.experimentId())) {
          continue;
        }
        if (node.orphaned()) {
          skip.put(node, "every task it depends on was skipped");
          continue;
        }
        if (node.expandFrom() != null) {
          // a member's condition is evaluated for each member, once they exist
          var failure = expansions.expand(node.experimentId(), node.expandFrom(), events);
          if (failure.isPresent()) {
            failed.put(node.experimentId(), node);
            reasons.put(node, failure.get());
          } else {
            expanded.add(node.experimentId());
          }
          continue;
        }
        if (node.condition() == null) {
          run.add(node);
          continue;
        }
        try {
          var condition = Conditions.parse(node.condition());
          if (Conditions.evaluate(condition, data(node, condition))) {
            run.add(node);
          } else {
            skip.put(node, "when is false: " + node.condition());
          }
        } catch (Conditions.ConditionException e) {
          failed.put(node.experimentId(), node);
          reasons.put(node, "when " + e.getMessage() + ": " + node.condition());
        }
      }
      if (!skip.isEmpty()) {
        cypher.query("""
                UNWIND $ids AS id
                MATCH (s:TaskNode {id: id}) WHERE s.state = $task.WAITING
                SET s.state = $task.SKIPPED, s.endedAt = $at, s.wakeAt = null
                """ + States.labelled("s"))
            .bindAll(Map.of("ids", skip.keySet().stream().map(Waiting::id).toList(), "at", Cypher.utcNow())).run();
        skip.forEach((node, reason) -> {
          TaskState.WAITING.moveTo(TaskState.SKIPPED);
          events.add(new LiveDags.PendingEvent(node.experimentId(), "task.state", node.key(), TaskState.SKIPPED.name(),
              reason));
        });
      }
      run.removeIf(node -> failed.containsKey(node.experimentId()));
      if (!run.isEmpty()) {
        TaskState.WAITING.moveTo(TaskState.DISPATCHED);
        dispatches.addAll(dispatching.markDispatched(cypher.query("""
                UNWIND $ids AS id
                MATCH (s:TaskNode {id: id}) WHERE s.state = $task.WAITING
                """ + Dispatching.MARK_DISPATCHED)
            .bindAll(Map.of("ids", run.stream().map(Waiting::id).toList(), "now", nowMillis, "at", Cypher.utcNow(),
                "redeliverMs", redeliverMs)), events));
      }
      for (var node : failed.values()) {
        fail(node, reasons.get(node), events, controls);
        ended.add(node.experimentId());
        open.remove(node.experimentId());
      }
      // only a skip or an expansion can make more nodes ready here
      var changed = new HashSet<>(expanded);
      skip.keySet().forEach(node -> changed.add(node.experimentId()));
      open.retainAll(changed);
    }
    var idle = new LinkedHashSet<>(experimentIds);
    idle.removeAll(ended);
    dispatches.forEach(dispatch -> idle.remove(dispatch.experimentId()));
    ended.addAll(moves.completeAllDone(idle, events));
    liveDags.appendEvents(events);
    return new Effects(Outcome.APPLIED, dispatches, controls, ended);
  }

  /** A condition or an expansion that cannot be evaluated fails its node for good, and so its experiment. */
  private void fail(Waiting node, String reason, List<LiveDags.PendingEvent> events, List<TaskControl> controls) {
    TaskState.WAITING.moveTo(TaskState.FAILED);
    cypher.query("""
            MATCH (s:TaskNode {id: $id})
            SET s.state = $task.FAILED, s.error = $error, s.endedAt = $at, s.wakeAt = null
            """ + States.labelled("s"))
        .bindAll(Map.of("id", node.id(), "error", Json.write(Map.of("message", reason, "retryable", false, "attempt", 0)),
            "at", Cypher.utcNow())).run();
    events.add(new LiveDags.PendingEvent(node.experimentId(), "task.state", node.key(), TaskState.FAILED.name(), reason));
    liveDags.appendEvents(events);
    events.clear();
    controls.add(moves.failExperiment(node.experimentId(), ExperimentState.EXECUTING,
        "task '%s' failed: %s".formatted(node.key(), reason)));
  }

  /** What a node's condition reads: the inputs and item as submitted, the outputs of the tasks it names. */
  private Map<String, Object> data(Waiting node, Conditions.Parsed condition) {
    var context = Json.readMap(node.context());
    var data = new HashMap<String, Object>();
    data.put("inputs", Placeholders.resolveTaskOutputs(context.getOrDefault("inputs", Map.of()), Map.of()));
    if (context.containsKey("index")) {
      data.put("index", context.get("index"));
      data.put("item", Placeholders.resolveTaskOutputs(context.get("item"), Map.of()));
    }
    var keys = condition.tasksRead();
    var tasks = new HashMap<String, Object>();
    if (!keys.isEmpty()) {
      var members = new HashMap<String, TreeMap<Integer, Map<String, Object>>>();
      cypher.query("""
              MATCH (x:TaskNode {experimentId: $id})
              WHERE coalesce(x.templateKey, x.key) IN $keys AND x.isExecuted
              RETURN coalesce(x.templateKey, x.key) AS key, coalesce(x.member, -1) AS member, x.outputs AS outputs""")
          .bindAll(Map.of("id", node.experimentId(), "keys", List.copyOf(keys)))
          .fetchAs(Produced.class).mappedBy((types, row) -> new Produced(row.get("key").asString(),
              row.get("member").asInt(), Rows.text(row.get("outputs"))))
          .all().forEach(row -> {
            var outputs = Json.readMap(row.outputs());
            if (row.member() < 0) {
              tasks.put(row.key(), Map.of("outputs", outputs == null ? Map.of() : outputs));
            } else {
              members.computeIfAbsent(row.key(), k -> new TreeMap<>()).put(row.member(), outputs);
            }
          });
      // a repeated task's outputs are lists, one value per executed member, as in a fan-in
      members.forEach((key, byMember) -> tasks.put(key, Map.of("outputs", Dispatching.gather(byMember.values()))));
    }
    data.put("tasks", tasks);
    return data;
  }
}
