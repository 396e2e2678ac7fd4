package org.weft.orchestrator.graph;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.ReplicaState;
import org.weft.orchestrator.lifecycle.ResultRules;
import org.weft.orchestrator.lifecycle.Speculation;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Json;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * Straggler replicas, in the caller's transaction: the owner's timers find the attempts of
 * speculative nodes that run far longer than their siblings took ({@link Speculation}) and start a
 * second copy of each; the results of those copies go through {@link ResultRules} like any other,
 * and land here. A replica of a {@code monitoring} node first runs the job submission it follows
 * again, for a job of its own, then follows that job with a second monitor.
 *
 * <p>The graph keeps it all: the node's {@code replicaState} ({@link ReplicaState}),
 * {@code replicaId} (its copy's dispatch id), {@code replicaAttempt} (the attempt it copies) and
 * {@code replicaStartedAt}; the job submission run again keeps the dispatch id of its copy in
 * {@code replicaId}, the node it runs for in {@code replicaFor}, and what its copy returned in
 * {@code replicaOutputs}, which become its outputs should the replica win.
 */
@Service
class Replicas {

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final Dispatching dispatching;
  private final DagProperties.SpeculationDefaults defaults;
  private final Counter started;
  private final Counter won;
  private final Counter wasted;

  Replicas(Cypher cypher, LiveDags liveDags, Dispatching dispatching, DagProperties properties, MeterRegistry meters) {
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.dispatching = dispatching;
    this.defaults = properties.speculation();
    this.started = Counter.builder("weft.task.replicas").tag("outcome", "started")
        .description("replicas of straggling attempts started").register(meters);
    this.won = Counter.builder("weft.task.replicas").tag("outcome", "won")
        .description("replicas that succeeded before the attempt they copied").register(meters);
    this.wasted = Counter.builder("weft.task.replicas").tag("outcome", "wasted")
        .description("replicas stopped because the original succeeded first, or that failed").register(meters);
  }

  /**
   * Speculative attempts of experiments {@code $ids} due a look, with how long they have run and
   * what their siblings (the other nodes of their template task) took. Sought through the index
   * on {@code speculateAt}, set when such an attempt is dispatched and moved on at each look.
   */
  static final String DUE = """
      MATCH (t:TaskNode) USING INDEX SEEK t:TaskNode(speculateAt)
      WHERE t.speculateAt <= $now AND t.experimentId IN $ids
      OPTIONAL MATCH (x:TaskNode {experimentId: t.experimentId})
      WHERE x.templateKey = t.templateKey AND x.member >= 0 AND x.id <> t.id
      WITH t, count(x) AS siblings,
           collect(CASE WHEN x.state = $task.SUCCEEDED AND x.dispatchedAt IS NOT NULL AND x.endedAt IS NOT NULL
                        THEN x.endedAt.epochMillis - x.dispatchedAt END) AS finished
      RETURN t.id AS id, t.state IN $inFlight AND coalesce(t.replicaAttempt, 0) < t.attempt AS open,
             $now - t.dispatchedAt AS elapsed, siblings, finished,
             t.speculationMultiplier AS multiplier, t.speculationMinMs AS minimumMs""";

  /**
   * Starts a replica of the attempt of {@code $id} if it still runs, in an executing experiment:
   * of the node itself, or, for a monitoring node, of the job submission it follows first. Returns
   * what the copy's dispatch needs, in the fields of {@link Dispatching#DISPATCHED_FIELDS}.
   */
  static final String START = """
      MATCH (t:TaskNode {id: $id})
      SET t._LOCK_ = true
      REMOVE t._LOCK_
      WITH t WHERE t.state IN $inFlight AND coalesce(t.replicaAttempt, 0) < t.attempt
      MATCH (e:Experiment {id: t.experimentId}) WHERE e.state = $experiment.EXECUTING
      OPTIONAL MATCH (j:TaskNode)-[:NEXT]->(t) WHERE t.taskType = $follower AND j.taskType = $starter AND j.isExecuted
      WITH t, head(collect(j)) AS j
      SET t.replicaAttempt = t.attempt, t.speculateAt = null, t.replicaStartedAt = $at,
          t.replicaState = CASE WHEN j IS NULL THEN $replica.RUNNING ELSE $replica.STARTING END,
          t.replicaId = CASE WHEN j IS NULL THEN randomUUID() END
      FOREACH (s IN CASE WHEN j IS NULL THEN [] ELSE [j] END |
          SET s.replicaId = randomUUID(), s.replicaFor = t.id, s.replicaOutputs = null)
      WITH t, coalesce(j, t) AS s
      RETURN t.key AS node, s.id AS id, s.experimentId AS experimentId, s.key AS key, s.taskType AS taskType,
             s.attempt AS attempt, s.replicaId AS dispatchId, s.context AS context, $now + s.timeLimitMs AS deadline,
             s.dispatchId AS copies, s.workerId AS avoid,
             """ + Dispatching.readsData("s") + " AS readsData";

  /**
   * Replicas of the speculative attempts of experiments {@code experimentIds} that have become
   * stragglers; the others are looked at again later.
   */
  Effects stragglers(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    var due = cypher.query(DUE).bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis)).fetch().all();
    var later = new ArrayList<Map<String, Object>>();
    var stragglers = new LinkedHashMap<String, String>();
    for (var row : due) {
      var id = (String) row.get("id");
      if (!(Boolean) row.get("open")) {
        // no "at": not looked at again
        later.add(Map.of("id", id));
        continue;
      }
      var policy = new Speculation.Policy(
          row.get("multiplier") instanceof Number m ? m.doubleValue() : defaults.multiplier(),
          row.get("minimumMs") instanceof Number n ? n.longValue() : defaults.minimum().toMillis(),
          defaults.quantile());
      @SuppressWarnings("unchecked")
      var finished = ((List<Object>) row.get("finished")).stream().map(v -> ((Number) v).longValue()).toList();
      long elapsed = ((Number) row.get("elapsed")).longValue();
      var straggling = Speculation.straggling(elapsed, ((Number) row.get("siblings")).intValue(), finished, policy);
      if (straggling.isPresent()) {
        stragglers.put(id, straggling.get());
      } else {
        // not before its minimum; then as often as a quarter of it, a second at least
        long next = Math.max(nowMillis + Math.max(1_000, policy.minimumMs() / 4),
            nowMillis - elapsed + policy.minimumMs());
        later.add(Map.of("id", id, "at", next));
      }
    }
    if (!later.isEmpty()) {
      cypher.query("""
              UNWIND $later AS l
              MATCH (t:TaskNode {id: l.id})
              SET t.speculateAt = l.at""")
          .bind(later).to("later").run();
    }
    var rows = new ArrayList<Rows.Dispatched>();
    var marks = new java.util.HashMap<String, Map<String, Object>>();
    var events = new ArrayList<LiveDags.PendingEvent>();
    var at = Cypher.utcNow();
    stragglers.forEach((id, why) -> cypher.query(START)
        .bindAll(Map.of("id", id, "now", nowMillis, "at", at, "follower", Results.FOLLOWS_A_JOB,
            "starter", Results.STARTS_A_JOB))
        .fetchAs(Copy.class).mappedBy((types, row) -> new Copy(row.get("node").asString(), Rows.Dispatched.of(row),
            mark(row.get("copies").asString(null), row.get("avoid").asString(null))))
        .one().ifPresent(copy -> {
          rows.add(copy.dispatch());
          marks.put(copy.dispatch().dispatchId(), copy.mark());
          var first = Results.STARTS_A_JOB.equals(copy.dispatch().taskType())
              ? "; its job is submitted again first (" + copy.dispatch().key() + ")" : "";
          events.add(new LiveDags.PendingEvent(copy.dispatch().experimentId(), "task.state", copy.node(),
              TaskState.RUNNING.name(), "replica started: " + why + first));
        }));
    if (rows.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    started.increment(rows.size());
    liveDags.appendEvents(events);
    return new Effects(Outcome.APPLIED, replicas(dispatching.dispatchesOf(rows), d -> marks.get(d.dispatchId())), List.of(), Set.of());
  }

  /**
   * The job submission run again for the replica of the node it is followed by succeeded: a second
   * monitor follows the new job, to win if the replica still may ({@code wanted}), or only to stop
   * it ({@link ReplicaState#STOPPING}), since a job no monitor follows would run on unwatched.
   */
  Effects submitted(TaskResult result, boolean wanted, long nowMillis) {
    var outputs = Json.write(result.outputs());
    var copy = cypher.query("""
            MATCH (j:TaskNode {id: $taskId})
            MATCH (t:TaskNode {id: j.replicaFor})
            SET j.replicaOutputs = $outputs, t.replicaId = randomUUID(),
                t.replicaState = CASE WHEN $wanted THEN $replica.RUNNING ELSE t.replicaState END
            RETURN t.key AS node, t.id AS id, t.experimentId AS experimentId, t.key AS key, t.taskType AS taskType,
                   t.replicaAttempt AS attempt, t.replicaId AS dispatchId, t.context AS context,
                   $now + t.timeLimitMs AS deadline, [{key: j.key, outputs: $outputs}] AS upstream,
                   t.dispatchId AS copies,
                   """ + Dispatching.readsData("t") + " AS readsData")
        .bindAll(Map.of("taskId", result.taskId(), "outputs", outputs, "wanted", wanted, "now", nowMillis))
        // where the job is, the monitor must be: it goes to any worker
        .fetchAs(Copy.class).mappedBy((types, row) -> new Copy(row.get("node").asString(), Rows.Dispatched.of(row),
            mark(row.get("copies").asString(null), null)))
        .one().orElse(null);
    if (copy == null) {
      return Effects.of(Outcome.APPLIED);
    }
    if (wanted) {
      liveDags.appendEvent(result.experimentId(), "task.state", copy.node(), TaskState.RUNNING.name(),
          "replica's job %s submitted; a second monitor follows it".formatted(result.outputs().get("jobId")));
    }
    return new Effects(Outcome.APPLIED, replicas(dispatching.dispatchesOf(List.of(copy.dispatch())), d -> copy.mark()),
        List.of(), Set.of());
  }

  /** A replica that may win is alive: the node lives while either copy does. */
  void alive(TaskResult result, long nowMillis) {
    cypher.query("MATCH (t:TaskNode {id: $taskId}) SET " + Dispatching.RUNNING_DEADLINES)
        .bindAll(Map.of("taskId", result.taskId(), "now", nowMillis)).run();
  }

  /**
   * The replica succeeded first: it won. The job submission run again for it gives its outputs to
   * its node in place of the original's; the original attempt is stopped, with its job. The node's
   * success itself is applied by the caller, with the replica's outputs.
   */
  List<TaskControl> won(TaskResult result, ResultRules.NodeSnapshot node) {
    cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.replicaState = $replica.WON
            WITH t
            // from t, over its few predecessors: nothing indexes replicaFor
            OPTIONAL MATCH (j:TaskNode)-[:NEXT]->(t) WHERE j.replicaFor = t.id AND j.replicaOutputs IS NOT NULL
            SET j.outputs = j.replicaOutputs""")
        .bind(result.taskId()).to("taskId").run();
    won.increment();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.RUNNING.name(),
        "replica won: it finished first, on worker %s; attempt %d's original copy is stopped"
            .formatted(result.workerId(), node.attempt()));
    return List.of(TaskControl.cancelSuperseded(result.experimentId(), result.taskId(), node.dispatchId()));
  }

  /**
   * The replica is wasted ({@code why}): it failed, or finished after it was stopped; the original
   * goes on alone.
   */
  Effects wasted(TaskResult result, String why) {
    var key = cypher.query("""
            MATCH (n:TaskNode {id: $taskId})
            MATCH (t:TaskNode {id: coalesce(n.replicaFor, n.id)})
            WITH t, t.replicaState AS before
            SET t.replicaState = $replica.WASTED
            RETURN t.key AS key, before""")
        .bind(result.taskId()).to("taskId").fetch().one().orElse(null);
    if (key != null && !ReplicaState.STOPPING.name().equals(key.get("before"))) {
      // a stopped one was counted when it was stopped
      wasted.increment();
      liveDags.appendEvent(result.experimentId(), "task.state", (String) key.get("key"), TaskState.RUNNING.name(),
          "replica wasted: " + why + "; the original attempt goes on");
    }
    return Effects.of(Outcome.APPLIED);
  }

  /**
   * The original attempt of {@code node} ended first, however it ended: its active replica is
   * stopped, at once when it runs, or once its job is followed when the job is still being
   * submitted.
   */
  List<TaskControl> superseded(String taskId, ResultRules.NodeSnapshot node, String how) {
    var after = node.replica().superseded();
    cypher.query("MATCH (t:TaskNode {id: $taskId}) SET t.replicaState = $state")
        .bindAll(Map.of("taskId", taskId, "state", after.name())).run();
    wasted.increment();
    liveDags.appendEvent(node.experimentId(), "task.state", node.key(), TaskState.RUNNING.name(),
        "replica wasted: the original attempt " + how + " first; the replica is stopped");
    return after == ReplicaState.WASTED && node.replicaId() != null
        ? List.of(TaskControl.cancelSuperseded(node.experimentId(), taskId, node.replicaId()))
        : List.of();
  }

  /** Tells a replica that may no longer win to stop. */
  static List<TaskControl> stop(TaskResult result) {
    return List.of(TaskControl.cancelSuperseded(result.experimentId(), result.taskId(), result.dispatchId()));
  }

  /**
   * Marks dispatches as replicas in their contexts ({@code replica: {copies, avoidWorker}}): a job
   * submission names its logs apart from the original's, and the dispatcher sends it away from the
   * worker that runs the copied attempt where the group has another ({@code avoidWorker}).
   */
  private static List<TaskDispatch> replicas(List<TaskDispatch> dispatches,
      java.util.function.Function<TaskDispatch, Map<String, Object>> marks) {
    return dispatches.stream().map(d -> {
      var context = new LinkedHashMap<>(d.context());
      context.put(TaskDispatch.REPLICA, marks.apply(d));
      return new TaskDispatch(d.dispatchId(), d.experimentId(), d.taskId(), d.taskKey(), d.taskType(), d.attempt(),
          context, d.deadline());
    }).toList();
  }

  /** A replica's mark: the dispatch it copies, and the worker to keep it away from, if any. */
  private static Map<String, Object> mark(String copies, String avoidWorker) {
    var mark = new LinkedHashMap<String, Object>();
    mark.put("copies", copies);
    if (avoidWorker != null && !avoidWorker.isBlank()) {
      mark.put(TaskDispatch.AVOID_WORKER, avoidWorker);
    }
    return mark;
  }

  /** The dispatch of a replica's copy, and the key of the node the replica is of. */
  private record Copy(String node, Rows.Dispatched dispatch, Map<String, Object> mark) {}
}
