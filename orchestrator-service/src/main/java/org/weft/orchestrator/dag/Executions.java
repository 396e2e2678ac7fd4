package org.weft.orchestrator.dag;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Service;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * How live DAGs move: every change of an experiment's or a task's state, in the caller's Neo4j
 * transaction. Nothing here talks to Kafka or ZooKeeper: each method returns what must be sent once
 * the transaction has committed, so a crash before the commit changes nothing and a crash after it
 * is repaired by {@link #recover}.
 */
@Service
public class Executions {

  /** What applying one result did. */
  public enum Outcome {
    APPLIED,
    /** a repeat of a result already applied */
    DUPLICATE,
    /** a result of an attempt that is no longer current */
    STALE,
    /** no such task node */
    UNKNOWN
  }

  /**
   * What to send after the commit.
   *
   * @param dispatches tasks to send to their workers
   * @param controls   commands for workers, such as cancelling an abandoned attempt
   * @param ended      experiments that reached an end, whose running markers can go
   */
  public record Effects(Outcome outcome, List<TaskDispatch> dispatches, List<TaskControl> controls, Set<String> ended) {

    static Effects of(Outcome outcome) {
      return new Effects(outcome, List.of(), List.of(), Set.of());
    }

    public static Effects merge(List<Effects> all) {
      var dispatches = new ArrayList<TaskDispatch>();
      var controls = new ArrayList<TaskControl>();
      var ended = new LinkedHashSet<String>();
      for (var effects : all) {
        dispatches.addAll(effects.dispatches());
        controls.addAll(effects.controls());
        ended.addAll(effects.ended());
      }
      return new Effects(Outcome.APPLIED, dispatches, controls, ended);
    }
  }

  private final Neo4jClient neo4j;
  private final LiveDags liveDags;

  Executions(Neo4jClient neo4j, LiveDags liveDags) {
    this.neo4j = neo4j;
    this.liveDags = liveDags;
  }

  /** Experiments that have not ended, oldest first. */
  public List<String> active() {
    return List.copyOf(neo4j.query("""
            MATCH (e:Experiment) WHERE e.state IN ['CREATED', 'LAUNCHED', 'EXECUTING', 'CANCELLING']
            RETURN e.id AS id ORDER BY e.createdAt""")
        .fetchAs(String.class).all());
  }

  public Optional<ExperimentState> state(String experimentId) {
    return neo4j.query("MATCH (e:Experiment {id: $id}) RETURN e.state AS state")
        .bind(experimentId).to("id").fetchAs(String.class).one().map(ExperimentState::valueOf);
  }

  /**
   * Takes an experiment in hand: launches a new one, or resumes one whose owner died from its last
   * incomplete nodes. Attempts in flight are sent again with their own dispatch id (a worker answers
   * a repeated id with its earlier result); nodes that are ready are dispatched.
   */
  public Effects recover(String experimentId, long nowMillis) {
    var state = state(experimentId).orElse(null);
    if (state == null) {
      return Effects.of(Outcome.UNKNOWN);
    }
    if (state.isTerminal()) {
      return new Effects(Outcome.APPLIED, List.of(), List.of(), Set.of(experimentId));
    }
    if (state == ExperimentState.CANCELLING) {
      // attempts still in flight end by their results or by the owner's timers
      return finishCancelIfDone(experimentId)
          ? new Effects(Outcome.APPLIED, List.of(), List.of(), Set.of(experimentId)) : Effects.of(Outcome.APPLIED);
    }
    if (state == ExperimentState.CREATED) {
      moveExperiment(experimentId, state, ExperimentState.LAUNCHED, null);
      state = ExperimentState.LAUNCHED;
    }
    if (state == ExperimentState.LAUNCHED) {
      moveExperiment(experimentId, state, ExperimentState.EXECUTING, null);
    }
    var dispatches = new ArrayList<TaskDispatch>();
    var inFlight = neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN ['DISPATCHED', 'RUNNING']
            SET t.heartbeatDeadline = $now + t.heartbeatTimeoutMs
            RETURN t.id AS id""")
        .bindAll(Map.of("id", experimentId, "now", nowMillis)).fetchAs(String.class).all();
    for (var taskId : inFlight) {
      dispatches.add(dispatchOf(taskId));
    }
    var ready = neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id})
            WHERE (t.state = 'READY' AND coalesce(t.notBefore, 0) <= $now)
               OR (t.state = 'WAITING' AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(t) WHERE p.isExecuted = false })
            RETURN t.id AS id ORDER BY t.position""")
        .bindAll(Map.of("id", experimentId, "now", nowMillis)).fetchAs(String.class).all();
    for (var taskId : ready) {
      dispatch(taskId, nowMillis).ifPresent(dispatches::add);
    }
    var ended = completeIfDone(experimentId) ? Set.of(experimentId) : Set.<String>of();
    return new Effects(Outcome.APPLIED, dispatches, List.of(), ended);
  }

  /** Applies one result of a worker, if it belongs to the current attempt of its node. */
  public Effects apply(TaskResult result, long nowMillis) {
    var row = neo4j.query("""
            MATCH (t:TaskNode {id: $taskId})
            MATCH (e:Experiment {id: t.experimentId})
            RETURN t.experimentId AS experimentId, t.key AS key, t.state AS state, t.dispatchId AS dispatchId,
                   t.attempt AS attempt, t.maxAttempts AS maxAttempts, e.state AS experimentState""")
        .bind(result.taskId()).to("taskId").fetch().one();
    if (row.isEmpty() || !result.experimentId().equals(row.get().get("experimentId"))) {
      return Effects.of(Outcome.UNKNOWN);
    }
    var node = row.get();
    var state = TaskState.valueOf((String) node.get("state"));
    int attempt = ((Number) node.get("attempt")).intValue();
    if (!result.dispatchId().equals(node.get("dispatchId")) || result.attempt() != attempt) {
      return Effects.of(Outcome.STALE);
    }
    if (state != TaskState.DISPATCHED && state != TaskState.RUNNING) {
      return Effects.of(Outcome.DUPLICATE);
    }
    var experimentState = ExperimentState.valueOf((String) node.get("experimentState"));
    var key = (String) node.get("key");
    return switch (result.status()) {
      case RUNNING -> heartbeat(result, state, key, nowMillis);
      case SUCCEEDED -> succeeded(result, state, key, experimentState, nowMillis);
      case FAILED -> failed(result, state, key, attempt, ((Number) node.get("maxAttempts")).intValue(), experimentState,
          nowMillis);
    };
  }

  /**
   * Attempts of owned experiments that went silent past their heartbeat timeout or ran past their
   * time limit; each becomes a failed, retryable attempt, and its worker is told to stop it.
   */
  public List<TaskResult> expired(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    return neo4j.query("""
            MATCH (t:TaskNode) WHERE t.state IN ['DISPATCHED', 'RUNNING'] AND t.experimentId IN $ids
              AND (t.heartbeatDeadline < $now OR t.timeLimitDeadline < $now)
            RETURN t.id AS id, t.experimentId AS experimentId, t.dispatchId AS dispatchId, t.attempt AS attempt,
                   t.timeLimitDeadline < $now AS overTime, t.timeLimitMs AS timeLimitMs,
                   t.heartbeatTimeoutMs AS heartbeatTimeoutMs""")
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis))
        .fetch().all().stream().map(row -> {
          var message = Boolean.TRUE.equals(row.get("overTime"))
              ? "exceeded its time limit of " + java.time.Duration.ofMillis(((Number) row.get("timeLimitMs")).longValue())
              : "sent no heartbeat for " + java.time.Duration.ofMillis(((Number) row.get("heartbeatTimeoutMs")).longValue());
          return new TaskResult((String) row.get("dispatchId"), (String) row.get("experimentId"), (String) row.get("id"),
              ((Number) row.get("attempt")).intValue(), TaskResult.Status.FAILED, Map.of(),
              new TaskResult.Error("the attempt " + message, true), "orchestrator", Instant.ofEpochMilli(nowMillis));
        }).toList();
  }

  /** Retries of owned experiments whose backoff has passed. */
  public Effects dueRetries(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    var due = neo4j.query("""
            MATCH (t:TaskNode {state: 'READY'}) WHERE t.experimentId IN $ids AND coalesce(t.notBefore, 0) <= $now
            MATCH (e:Experiment {id: t.experimentId}) WHERE e.state = 'EXECUTING'
            RETURN t.id AS id""")
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis)).fetchAs(String.class).all();
    var dispatches = new ArrayList<TaskDispatch>();
    for (var taskId : due) {
      dispatch(taskId, nowMillis).ifPresent(dispatches::add);
    }
    return new Effects(Outcome.APPLIED, dispatches, List.of(), Set.of());
  }

  private Effects heartbeat(TaskResult result, TaskState state, String key, long nowMillis) {
    neo4j.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = 'RUNNING', t.workerId = $workerId, t.heartbeatDeadline = $now + t.heartbeatTimeoutMs""")
        .bindAll(Map.of("taskId", result.taskId(), "workerId", nullToEmpty(result.workerId()), "now", nowMillis)).run();
    if (state == TaskState.DISPATCHED) {
      state.moveTo(TaskState.RUNNING);
      liveDags.appendEvent(result.experimentId(), "task.state", key, TaskState.RUNNING.name(),
          "attempt %d on worker %s".formatted(result.attempt(), result.workerId()));
    }
    return Effects.of(Outcome.APPLIED);
  }

  private Effects succeeded(TaskResult result, TaskState state, String key, ExperimentState experimentState, long nowMillis) {
    state.moveTo(TaskState.SUCCEEDED);
    neo4j.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = 'SUCCEEDED', t.isExecuted = true, t.outputs = $outputs, t.workerId = $workerId,
                t.endedAt = $at, t.error = null""")
        .bindAll(Map.of("taskId", result.taskId(), "outputs", Json.write(result.outputs()),
            "workerId", nullToEmpty(result.workerId()), "at", utcNow())).run();
    liveDags.appendEvent(result.experimentId(), "task.state", key, TaskState.SUCCEEDED.name(),
        "attempt %d on worker %s".formatted(result.attempt(), result.workerId()));
    if (experimentState == ExperimentState.CANCELLING) {
      var ended = finishCancelIfDone(result.experimentId()) ? Set.of(result.experimentId()) : Set.<String>of();
      return new Effects(Outcome.APPLIED, List.of(), List.of(), ended);
    }
    if (experimentState != ExperimentState.EXECUTING) {
      return Effects.of(Outcome.APPLIED);
    }
    var successors = neo4j.query("""
            MATCH (:TaskNode {id: $taskId})-[:NEXT]->(s:TaskNode {state: 'WAITING'})
            WHERE NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.isExecuted = false }
            RETURN s.id AS id ORDER BY s.position""")
        .bind(result.taskId()).to("taskId").fetchAs(String.class).all();
    var dispatches = new ArrayList<TaskDispatch>();
    for (var successor : successors) {
      dispatch(successor, nowMillis).ifPresent(dispatches::add);
    }
    // a node just dispatched is not executed: only when none was can the experiment be done
    var ended = dispatches.isEmpty() && completeIfDone(result.experimentId()) ? Set.of(result.experimentId()) : Set.<String>of();
    return new Effects(Outcome.APPLIED, dispatches, List.of(), ended);
  }

  private Effects failed(TaskResult result, TaskState state, String key, int attempt, int maxAttempts,
      ExperimentState experimentState, long nowMillis) {
    var error = result.error() == null ? new TaskResult.Error("failed without a reason", false) : result.error();
    var errorJson = Json.write(Map.of("message", error.message(), "retryable", error.retryable(), "attempt", attempt));
    var controls = "orchestrator".equals(result.workerId())
        ? List.of(new TaskControl(result.experimentId(), result.taskId(), TaskControl.Command.CANCEL))
        : List.<TaskControl>of();
    if (error.retryable() && attempt < maxAttempts && experimentState == ExperimentState.EXECUTING) {
      state.moveTo(TaskState.READY);
      neo4j.query("""
              MATCH (t:TaskNode {id: $taskId})
              SET t.state = 'READY', t.error = $error, t.notBefore = $now + t.backoffMs, t.workerId = $workerId""")
          .bindAll(Map.of("taskId", result.taskId(), "error", errorJson, "now", nowMillis,
              "workerId", nullToEmpty(result.workerId()))).run();
      liveDags.appendEvent(result.experimentId(), "task.state", key, TaskState.READY.name(),
          "attempt %d of %d failed, retrying: %s".formatted(attempt, maxAttempts, error.message()));
      return new Effects(Outcome.APPLIED, List.of(), controls, Set.of());
    }
    var end = experimentState == ExperimentState.CANCELLING ? TaskState.CANCELLED : TaskState.FAILED;
    state.moveTo(end);
    neo4j.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $end, t.error = $error, t.endedAt = $at, t.workerId = $workerId""")
        .bindAll(Map.of("taskId", result.taskId(), "end", end.name(), "error", errorJson, "at", utcNow(),
            "workerId", nullToEmpty(result.workerId()))).run();
    liveDags.appendEvent(result.experimentId(), "task.state", key, end.name(),
        "attempt %d of %d: %s".formatted(attempt, maxAttempts, error.message()));
    if (experimentState == ExperimentState.CANCELLING) {
      var ended = finishCancelIfDone(result.experimentId()) ? Set.of(result.experimentId()) : Set.<String>of();
      return new Effects(Outcome.APPLIED, List.of(), controls, ended);
    }
    if (experimentState != ExperimentState.EXECUTING) {
      return new Effects(Outcome.APPLIED, List.of(), controls, Set.of());
    }
    var reason = "task '%s' failed after %d attempt%s: %s".formatted(key, attempt, attempt == 1 ? "" : "s", error.message());
    moveExperiment(result.experimentId(), experimentState, ExperimentState.FAILED, reason);
    // the experiment has failed: attempts still running elsewhere in it are of no use any more
    var stop = new ArrayList<>(controls);
    stop.add(new TaskControl(result.experimentId(), null, TaskControl.Command.CANCEL));
    return new Effects(Outcome.APPLIED, List.of(), stop, Set.of(result.experimentId()));
  }

  /**
   * Stops an experiment: nothing new is dispatched, nodes not yet started are cancelled, workers are
   * told to stop the attempts in flight, which get {@code grace} to stop before they count as timed
   * out. The experiment is {@code CANCELLED} once none is in flight.
   *
   * @throws IllegalTransitionException when the experiment has already ended (or is cancelling)
   */
  public Effects cancel(String experimentId, long nowMillis, long graceMillis) {
    var state = state(experimentId).orElseThrow();
    state.moveTo(ExperimentState.CANCELLING);
    moveExperiment(experimentId, state, ExperimentState.CANCELLING, "cancelled on request");
    var cancelled = neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN ['WAITING', 'READY']
            SET t.state = 'CANCELLED', t.endedAt = $at
            RETURN t.key AS key ORDER BY t.position""")
        .bindAll(Map.of("id", experimentId, "at", utcNow())).fetchAs(String.class).all();
    for (var key : cancelled) {
      liveDags.appendEvent(experimentId, "task.state", key, TaskState.CANCELLED.name(), "cancelled before it started");
    }
    neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN ['DISPATCHED', 'RUNNING']
            SET t.timeLimitDeadline = CASE WHEN t.timeLimitDeadline < $deadline THEN t.timeLimitDeadline ELSE $deadline END""")
        .bindAll(Map.of("id", experimentId, "deadline", nowMillis + graceMillis)).run();
    var ended = finishCancelIfDone(experimentId) ? Set.of(experimentId) : Set.<String>of();
    return new Effects(Outcome.APPLIED, List.of(),
        List.of(new TaskControl(experimentId, null, TaskControl.Command.CANCEL)), ended);
  }

  /**
   * Prepares a finished experiment to run again: the node {@code fromTask}, or every failed or
   * cancelled node, and everything downstream of it go back to waiting with their outputs cleared;
   * executed nodes upstream keep theirs and are never run again. The experiment is then launched.
   *
   * @return the keys of the nodes reset
   * @throws IllegalTransitionException when the experiment is still running, or is completed and no
   *                                    {@code fromTask} says what to run again
   * @throws InvalidRerunException      when {@code fromTask} is not a task of the experiment
   */
  public List<String> prepareRerun(String experimentId, String fromTask) {
    var state = state(experimentId).orElseThrow();
    if (!state.canMoveTo(ExperimentState.LAUNCHED)) {
      throw new IllegalTransitionException("An experiment", state.name(), ExperimentState.LAUNCHED.name());
    }
    List<String> starts;
    if (fromTask != null) {
      var exists = neo4j.query("MATCH (t:TaskNode {id: $id}) RETURN count(t) > 0")
          .bind(LiveDagPlan.taskId(experimentId, fromTask)).to("id").fetchAs(Boolean.class).one().orElse(false);
      if (!exists) {
        throw new InvalidRerunException(new Violation("fromTask", "no task '" + fromTask + "' in this experiment"));
      }
      starts = List.of(LiveDagPlan.taskId(experimentId, fromTask));
    } else {
      starts = neo4j.query("""
              MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN ['FAILED', 'CANCELLED'] RETURN t.id AS id""")
          .bind(experimentId).to("id").fetchAs(String.class).all().stream().toList();
      if (starts.isEmpty()) {
        throw new IllegalTransitionException("An experiment with nothing failed (name fromTask to rerun part of it)",
            state.name(), ExperimentState.LAUNCHED.name());
      }
    }
    var reset = neo4j.query("""
            MATCH (start:TaskNode) WHERE start.id IN $starts
            MATCH (start)-[:NEXT*0..]->(t:TaskNode)
            WITH DISTINCT t
            SET t.state = 'WAITING', t.isExecuted = false, t.attempt = 0, t.outputs = null, t.error = null,
                t.dispatchId = null, t.workerId = null, t.startedAt = null, t.endedAt = null, t.notBefore = null
            RETURN t.key AS key ORDER BY t.position""")
        .bind(starts).to("starts").fetchAs(String.class).all().stream().toList();
    for (var key : reset) {
      liveDags.appendEvent(experimentId, "task.state", key, TaskState.WAITING.name(), "reset by rerun");
    }
    neo4j.query("MATCH (e:Experiment {id: $id}) SET e.outputs = null").bind(experimentId).to("id").run();
    moveExperiment(experimentId, state, ExperimentState.LAUNCHED,
        fromTask == null ? "rerun of the failed tasks" : "rerun from task '" + fromTask + "'");
    return reset;
  }

  private boolean finishCancelIfDone(String experimentId) {
    var inFlight = neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN ['DISPATCHED', 'RUNNING'] RETURN count(t)""")
        .bind(experimentId).to("id").fetchAs(Long.class).one().orElse(0L);
    if (inFlight > 0) {
      return false;
    }
    moveExperiment(experimentId, ExperimentState.CANCELLING, ExperimentState.CANCELLED, null);
    return true;
  }

  /** Marks a ready (or newly ready) node dispatched as a new attempt and returns what to send. */
  private Optional<TaskDispatch> dispatch(String taskId, long nowMillis) {
    var updated = neo4j.query("""
            MATCH (t:TaskNode {id: $taskId}) WHERE t.state IN ['READY', 'WAITING']
            SET t.state = 'DISPATCHED', t.attempt = t.attempt + 1, t.dispatchId = $dispatchId,
                t.dispatchedAt = $now, t.heartbeatDeadline = $now + t.heartbeatTimeoutMs,
                t.timeLimitDeadline = $now + t.timeLimitMs, t.notBefore = null, t.startedAt = $at, t.endedAt = null
            RETURN t.id AS id, t.experimentId AS experimentId, t.key AS key, t.taskType AS taskType, t.attempt AS attempt,
                   t.dispatchId AS dispatchId, t.context AS context, t.timeLimitDeadline AS deadline""")
        .bindAll(Map.of("taskId", taskId, "dispatchId", UUID.randomUUID().toString(), "now", nowMillis, "at", utcNow()))
        .fetch().one();
    if (updated.isEmpty()) {
      return Optional.empty();
    }
    var row = updated.get();
    liveDags.appendEvent((String) row.get("experimentId"), "task.state", (String) row.get("key"),
        TaskState.DISPATCHED.name(), "attempt " + row.get("attempt"));
    return Optional.of(dispatchOf(row));
  }

  /** The dispatch message of an attempt in flight, sent again after a crash with its own dispatch id. */
  private TaskDispatch dispatchOf(String taskId) {
    return dispatchOf(neo4j.query("""
            MATCH (t:TaskNode {id: $taskId})
            RETURN t.id AS id, t.experimentId AS experimentId, t.key AS key, t.taskType AS taskType, t.attempt AS attempt,
                   t.dispatchId AS dispatchId, t.context AS context, t.timeLimitDeadline AS deadline""")
        .bind(taskId).to("taskId").fetch().one().orElseThrow());
  }

  /** The dispatch message of a node's current attempt, its context resolved with upstream outputs. */
  private TaskDispatch dispatchOf(Map<String, Object> row) {
    var taskId = (String) row.get("id");
    var experimentId = (String) row.get("experimentId");
    var context = Json.readMap(row.get("context"));
    var referenced = new LinkedHashSet<String>();
    for (var reference : Placeholders.find(context)) {
      if (reference instanceof Placeholders.TaskOutputReference out) {
        referenced.add(LiveDagPlan.taskId(experimentId, out.taskKey()));
      }
    }
    var outputs = new HashMap<String, Map<String, Object>>();
    if (!referenced.isEmpty()) {
      neo4j.query("MATCH (x:TaskNode) WHERE x.id IN $ids AND x.isExecuted RETURN x.key AS key, x.outputs AS outputs")
          .bind(List.copyOf(referenced)).to("ids").fetch().all()
          .forEach(r -> outputs.put((String) r.get("key"), Json.readMap(r.get("outputs"))));
    }
    @SuppressWarnings("unchecked")
    var resolved = (Map<String, Object>) Placeholders.resolveTaskOutputs(context, outputs);
    return new TaskDispatch((String) row.get("dispatchId"), experimentId, taskId, (String) row.get("key"),
        (String) row.get("taskType"), ((Number) row.get("attempt")).intValue(), new LinkedHashMap<>(resolved),
        Instant.ofEpochMilli(((Number) row.get("deadline")).longValue()));
  }

  private boolean completeIfDone(String experimentId) {
    var remaining = neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.isExecuted = false RETURN count(t) AS n""")
        .bind(experimentId).to("id").fetchAs(Long.class).one().orElse(0L);
    if (remaining > 0) {
      return false;
    }
    var outputs = new LinkedHashMap<String, Object>();
    neo4j.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE NOT (t)-[:NEXT]->()
            RETURN t.key AS key, t.outputs AS outputs ORDER BY t.position""")
        .bind(experimentId).to("id").fetch().all()
        .forEach(r -> outputs.put((String) r.get("key"), Json.readMap(r.get("outputs"))));
    var state = state(experimentId).orElseThrow();
    if (state.isTerminal()) {
      return true;
    }
    state.moveTo(ExperimentState.COMPLETED);
    neo4j.query("MATCH (e:Experiment {id: $id}) SET e.outputs = $outputs")
        .bindAll(Map.of("id", experimentId, "outputs", Json.write(outputs))).run();
    moveExperiment(experimentId, state, ExperimentState.COMPLETED, null);
    return true;
  }

  private void moveExperiment(String experimentId, ExperimentState from, ExperimentState to, String reason) {
    from.moveTo(to);
    var parameters = new HashMap<String, Object>();
    parameters.put("id", experimentId);
    parameters.put("from", from.name());
    parameters.put("to", to.name());
    parameters.put("reason", reason);
    parameters.put("at", utcNow());
    neo4j.query("""
            MATCH (e:Experiment {id: $id}) WHERE e.state = $from
            SET e.state = $to,
                e.reason = CASE WHEN $to = 'LAUNCHED' THEN null ELSE coalesce($reason, e.reason) END,
                e.startedAt = CASE WHEN $to = 'LAUNCHED' THEN $at ELSE e.startedAt END,
                e.endedAt = CASE WHEN $to IN ['COMPLETED', 'FAILED', 'CANCELLED'] THEN $at
                                 WHEN $to = 'LAUNCHED' THEN null ELSE e.endedAt END""")
        .bindAll(parameters).run();
    liveDags.appendEvent(experimentId, "experiment.state", null, to.name(), reason);
  }

  private static ZonedDateTime utcNow() {
    return ZonedDateTime.now(ZoneOffset.UTC);
  }

  private static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
