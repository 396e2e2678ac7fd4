package org.weft.orchestrator.graph;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.Expansion;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.orchestrator.template.Placeholders;
import org.weft.task.api.TaskDispatch;

/**
 * Dispatching nodes: the statement tail that makes a node's next attempt, and the dispatch messages
 * of attempts, their contexts resolved with the outputs of the upstream nodes they name.
 */
@Component
class Dispatching {

  private final Cypher cypher;
  private final LiveDags liveDags;

  Dispatching(Cypher cypher, LiveDags liveDags) {
    this.cypher = cypher;
    this.liveDags = liveDags;
  }

  /**
   * Makes the nodes {@code s} a statement matched a new attempt: a new dispatch id, queued for a
   * worker. A queued attempt has no heartbeat deadline and no time limit yet: the time it waits for
   * a worker is not silence, and counting it as such turned a burst into a retry storm (attempts
   * waiting behind others timed out, and their retries queued behind them again). Both start when a
   * worker takes it ({@link #RUNNING_DEADLINES}). It wakes the owner's timers after
   * {@code $redeliverMs}, to be sent again with the same id should it have been lost. A speculative
   * one is watched for straggling from then on ({@link Replicas}).
   */
  static final String DISPATCH = """
      SET s.state = $task.DISPATCHED, s.attempt = s.attempt + 1, s.dispatchId = randomUUID(),
          s.dispatchedAt = $now, s.heartbeatDeadline = null, s.timeLimitDeadline = null,
          s.notBefore = null, s.startedAt = $at, s.endedAt = null, s.wakeAt = $now + $redeliverMs,
          s.speculateAt = CASE WHEN s.speculative THEN $now END
      """ + States.labelled("s");

  /**
   * The deadlines of an attempt {@code t} a worker has taken ({@code RUNNING}), from {@code $now}: a
   * heartbeat is due within the heartbeat timeout, the time limit counts from the first one, and
   * the owner's timers wake at the earlier of the two.
   */
  static final String RUNNING_DEADLINES = """
      t.heartbeatDeadline = $now + t.heartbeatTimeoutMs,
      t.timeLimitDeadline = coalesce(t.timeLimitDeadline, $now + t.timeLimitMs),
      t.wakeAt = CASE WHEN $now + t.heartbeatTimeoutMs < coalesce(t.timeLimitDeadline, $now + t.timeLimitMs)
                      THEN $now + t.heartbeatTimeoutMs ELSE coalesce(t.timeLimitDeadline, $now + t.timeLimitMs) END""";

  /** Whether a predecessor of the node {@code v} wrote files, which its dispatch then lists to check. */
  static String readsData(String v) {
    return "EXISTS { (%s)<-[:NEXT]-(:TaskNode)-[:PRODUCED]->(:DataObject) }".formatted(v);
  }

  /** What the dispatch message of a node {@code s} just dispatched needs, as map projection fields. */
  static final String DISPATCHED_FIELDS =
      ".id, .experimentId, .key, .taskType, .attempt, .dispatchId, .context, deadline: " + "$now + s.timeLimitMs"
      + ", readsData: " + readsData("s");

  /** The {@code DISPATCHED} events of the nodes {@code dispatched}, projected with {@link #DISPATCHED_FIELDS}. */
  static final String DISPATCHED_EVENTS = """
      [d IN dispatched | {experimentId: d.experimentId, type: 'task.state', taskKey: d.key, state: $task.DISPATCHED,
                          detail: 'attempt ' + toString(d.attempt), at: $at}]""";

  /**
   * The tail of every statement that dispatches the nodes {@code s} it matched: {@link #DISPATCH},
   * then each returned with what its dispatch message needs.
   */
  static final String MARK_DISPATCHED = DISPATCH + """
      RETURN s.id AS id, s.experimentId AS experimentId, s.key AS key, s.taskType AS taskType, s.attempt AS attempt,
             s.dispatchId AS dispatchId, s.context AS context, $now + s.timeLimitMs AS deadline,
             """ + readsData("s") + """
       AS readsData
      ORDER BY s.experimentId, s.position""";

  /**
   * The most input files one dispatch names for its check: what a reduce over thousands of map
   * outputs reads, in a message Kafka still takes. Beyond it the task finds its inputs itself.
   */
  static final int MAX_EXPECTED_INPUTS = 2_000;

  /**
   * The files the nodes {@code $ids} are expected to read, checked by their workers before they
   * run: those their predecessors wrote. Only those: re-creating one re-runs a predecessor, which
   * the node then waits for as it waits for any predecessor. Lost and collected ones too: finding
   * them missing is how they are re-created.
   */
  static final String EXPECTED_INPUTS = """
      UNWIND $ids AS id
      MATCH (s:TaskNode {id: id})
      MATCH (s)<-[:NEXT]-(:TaskNode)-[:PRODUCED]->(d:DataObject)
      WITH s, d ORDER BY d.uri
      WITH s, collect(DISTINCT d {.uri, .resource, .size, .checksum}) AS files
      RETURN s.id AS id, files[..$max] AS files""";

  /**
   * Whether the node {@code v} is still waited for by what depends on it: not executed, not
   * settled without execution ({@code $passed}: skipped or expanded), not a tolerated failure.
   */
  static String unsettled(String v) {
    return "%1$s.isExecuted = false AND NOT %1$s.state IN $passed AND %1$s.tolerated IS NULL".formatted(v);
  }

  /**
   * Whether the node {@code s}, all of whose predecessors are settled, has nothing to run for: some
   * were skipped (or failed, tolerated) and none was executed.
   */
  static final String ORPHANED = """
      EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.state = $task.SKIPPED OR p.tolerated }
      AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.isExecuted }""";

  /** Runs a statement ending in {@link #MARK_DISPATCHED}; records the events and returns the messages. */
  List<TaskDispatch> markDispatched(Neo4jClient.RunnableSpec query,
      List<LiveDags.PendingEvent> events) {
    var rows = dispatched(query);
    for (var row : rows) {
      events.add(new LiveDags.PendingEvent(row.experimentId(), "task.state", row.key(), TaskState.DISPATCHED.name(),
          "attempt " + row.attempt()));
    }
    return dispatchesOf(rows);
  }

  /**
   * The dispatch messages of attempts, their contexts resolved with the outputs of the upstream
   * nodes they name, which are read in one statement for all of them.
   */
  static List<Rows.Dispatched> dispatched(Neo4jClient.RunnableSpec query) {
    return List.copyOf(query.fetchAs(Rows.Dispatched.class).mappedBy((types, row) -> Rows.Dispatched.of(row)).all());
  }

  List<TaskDispatch> dispatchesOf(List<Rows.Dispatched> rows) {
    return dispatchesOf(rows, Set.of());
  }

  /**
   * As {@link #dispatchesOf(List)}, for rows a statement returned before files were recorded in
   * {@code newFiles}' experiments: their nodes are asked for the files to check whatever the rows say.
   */
  List<TaskDispatch> dispatchesOf(List<Rows.Dispatched> rows, Set<String> newFiles) {
    if (rows.isEmpty()) {
      return List.of();
    }
    var contexts = new ArrayList<Map<String, Object>>(rows.size());
    var referenced = new LinkedHashSet<String>();
    var outputsByExperiment = new HashMap<String, Map<String, Map<String, Object>>>();
    for (var row : rows) {
      var context = Json.readMap(row.context());
      contexts.add(context);
      // outputs the statement brought along (nodes written before it knew them have none)
      for (var upstream : row.upstream()) {
        outputsByExperiment.computeIfAbsent(row.experimentId(), id -> new HashMap<>())
            .put(upstream.key(), Json.readMap(upstream.outputs()));
      }
      var known = outputsByExperiment.getOrDefault(row.experimentId(), Map.of());
      for (var key : LiveDags.outputsFrom(context)) {
        if (!known.containsKey(key)) {
          referenced.add(LiveDagPlan.taskId(row.experimentId(), key));
        }
      }
    }
    if (!referenced.isEmpty()) {
      cypher.query("""
              MATCH (x:TaskNode) WHERE x.id IN $ids AND x.isExecuted
              RETURN x.experimentId AS id, x.key AS key, x.outputs AS outputs""")
          .bind(List.copyOf(referenced)).to("ids")
          .fetchAs(Rows.Sink.class).mappedBy((types, row) -> Rows.Sink.of(row)).all()
          .forEach(x -> outputsByExperiment.computeIfAbsent(x.experimentId(), id -> new HashMap<>())
              .put(x.key(), Json.readMap(x.outputs())));
    }
    var expected = expectedInputs(rows, newFiles);
    var dispatches = new ArrayList<TaskDispatch>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      var row = rows.get(i);
      var outputs = withFanIn(contexts.get(i), outputsByExperiment.getOrDefault(row.experimentId(), Map.of()));
      @SuppressWarnings("unchecked")
      var resolved = (Map<String, Object>) Placeholders.resolveTaskOutputs(contexts.get(i), outputs);
      var files = expected.get(row.id());
      if (files != null && !files.isEmpty()) {
        // added once resolved: a path is data, never a placeholder
        resolved = new LinkedHashMap<>(resolved);
        var data = new LinkedHashMap<String, Object>();
        if (resolved.get("data") instanceof Map<?, ?> declared) {
          declared.forEach((key, value) -> data.put(key.toString(), value));
        }
        data.put("inputs", files);
        resolved.put("data", data);
      }
      dispatches.add(new TaskDispatch(row.dispatchId(), row.experimentId(), row.id(), row.key(), row.taskType(),
          row.attempt(), new LinkedHashMap<>(resolved), Instant.ofEpochMilli(row.deadline())));
    }
    return dispatches;
  }

  /** The files each row's node is to read, for the rows whose predecessors wrote any, by node id. */
  private Map<String, List<Map<String, Object>>> expectedInputs(List<Rows.Dispatched> rows, Set<String> newFiles) {
    var ids = rows.stream().filter(row -> row.readsData() || newFiles.contains(row.experimentId()))
        .map(Rows.Dispatched::id).toList();
    if (ids.isEmpty()) {
      return Map.of();
    }
    var expected = new HashMap<String, List<Map<String, Object>>>();
    cypher.query(EXPECTED_INPUTS).bindAll(Map.of("ids", ids, "max", MAX_EXPECTED_INPUTS))
        .fetch().all()
        .forEach(row -> {
          @SuppressWarnings("unchecked")
          var files = (List<Map<String, Object>>) row.get("files");
          expected.put((String) row.get("id"), files);
        });
    return expected;
  }

  /**
   * The outputs a context reads, with those of each repeated upstream task it fans in from
   * ({@code members} in its context) gathered under the task's key: each output a list with one
   * value per executed member, in member order (empty when none was).
   */
  static Map<String, Map<String, Object>> withFanIn(Map<String, Object> context,
      Map<String, Map<String, Object>> outputs) {
    if (!(context.get("members") instanceof Map<?, ?> members) || members.isEmpty()) {
      return outputs;
    }
    var all = new HashMap<>(outputs);
    members.forEach((key, count) -> {
      var executed = new ArrayList<Map<String, Object>>();
      for (int m = 0; m < ((Number) count).intValue(); m++) {
        var member = outputs.get(Expansion.memberKey(key.toString(), m));
        if (member != null) {
          executed.add(member);
        }
      }
      all.put(key.toString(), new FanIn(gather(executed)));
    });
    return all;
  }

  /** The outputs of executed members, given in member order, as one list per output name. */
  static Map<String, List<Object>> gather(Collection<Map<String, Object>> members) {
    var gathered = new LinkedHashMap<String, List<Object>>();
    members.forEach(member -> member.keySet().forEach(name -> gathered.putIfAbsent(name, new ArrayList<>())));
    members.forEach(member -> gathered.forEach((name, values) -> values.add(member.get(name))));
    return gathered;
  }

  /** The gathered outputs of a repeated task: an output no member gave (none executed) is an empty list. */
  private static final class FanIn extends LinkedHashMap<String, Object> {

    FanIn(Map<String, List<Object>> gathered) {
      super(gathered);
    }

    @Override
    public boolean containsKey(Object name) {
      return true;
    }

    @Override
    public Object get(Object name) {
      return super.getOrDefault(name, List.of());
    }
  }
}
