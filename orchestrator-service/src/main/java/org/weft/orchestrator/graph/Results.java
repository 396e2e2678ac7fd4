package org.weft.orchestrator.graph;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.DataState;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.ReconstructionRules;
import org.weft.orchestrator.lifecycle.ReplicaState;
import org.weft.orchestrator.lifecycle.ResultRules;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.TaskTypeCatalog;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * Applying workers' results, and the orchestrator's timeouts of attempts, in the caller's
 * transaction: one by one as {@link ResultRules} decide, or a batch of heartbeats and successes in
 * one statement that leaves the state applying them one by one would.
 */
@Service
public class Results {

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final Dispatching dispatching;
  private final ExperimentMoves moves;
  private final Gates gates;
  private final DataObjects dataObjects;
  private final Replicas replicas;
  private final long redeliverMs;
  private final int reconstructions;
  private final Counter reruns;
  private final Counter givenUp;

  Results(Cypher cypher, LiveDags liveDags, Dispatching dispatching, ExperimentMoves moves, Gates gates,
      DataObjects dataObjects, Replicas replicas, DagProperties properties, MeterRegistry meters) {
    this.reruns = Counter.builder("weft.data.reconstructions").tag("outcome", "rerun")
        .description("task nodes run again to re-create lost files").register(meters);
    this.givenUp = Counter.builder("weft.data.reconstructions").tag("outcome", "given-up")
        .description("tasks failed because a lost file they needed could not be re-created").register(meters);
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.dispatching = dispatching;
    this.moves = moves;
    this.gates = gates;
    this.dataObjects = dataObjects;
    this.replicas = replicas;
    this.redeliverMs = properties.defaults().redeliverAfter().toMillis();
    this.reconstructions = properties.defaults().reconstructions();
  }

  /**
   * Applies a batch of worker results in the caller's transaction. Heartbeats and successes take one
   * statement for the whole batch ({@link #APPLY_RESULTS}), which applies those of the current
   * attempts of executing experiments and leaves the rest untouched. The rest go one by one, in
   * order, after it: what it left (duplicates, stale attempts, unknown tasks, experiments cancelling
   * or ended) and every result of an experiment with a failure in the batch, so the outcome is the
   * one applying the batch in order would give.
   *
   * @return the effects, with one outcome per result in {@code outcomes}, in the batch's order
   */
  public Batch applyAll(List<TaskResult> results, long nowMillis) {
    var outcomes = new Outcome[results.size()];
    var failing = new HashSet<String>();
    for (var result : results) {
      if (result.status() == TaskResult.Status.FAILED) {
        failing.add(result.experimentId());
      }
    }
    // one row per task: a heartbeat followed by the success of the same attempt becomes one row
    var rows = new ArrayList<Map<String, Object>>();
    var rowOf = new HashMap<String, Map<String, Object>>();
    var resultsOfRow = new ArrayList<List<Integer>>();
    var oneByOne = new ArrayList<Integer>();
    for (int i = 0; i < results.size(); i++) {
      var result = results.get(i);
      if (failing.contains(result.experimentId())) {
        oneByOne.add(i);
        continue;
      }
      var row = rowOf.get(result.taskId());
      if (row == null) {
        row = new HashMap<>();
        row.put("i", rows.size());
        row.put("taskId", result.taskId());
        row.put("experimentId", result.experimentId());
        row.put("dispatchId", result.dispatchId());
        row.put("attempt", result.attempt());
        row.put("running", false);
        fill(row, result);
        rowOf.put(result.taskId(), row);
        rows.add(row);
        resultsOfRow.add(new ArrayList<>(List.of(i)));
      } else if (TaskResult.Status.RUNNING.name().equals(row.get("status"))
          && result.status() == TaskResult.Status.SUCCEEDED
          && result.dispatchId().equals(row.get("dispatchId")) && result.attempt() == (int) row.get("attempt")) {
        row.put("running", true);
        fill(row, result);
        resultsOfRow.get((int) row.get("i")).add(i);
      } else {
        oneByOne.add(i);
      }
    }
    var dispatches = new ArrayList<TaskDispatch>();
    var ended = new LinkedHashSet<String>();
    var gating = new LinkedHashSet<String>();
    if (!rows.isEmpty()) {
      var at = Cypher.utcNow();
      var answer = cypher.query(APPLY_RESULTS)
          .bindAll(Map.of("rows", rows, "now", nowMillis, "at", at, "redeliverMs", redeliverMs))
          .fetchAs(Rows.Applied.class).mappedBy((types, row) -> Rows.Applied.of(row)).one().orElseThrow();
      var applied = new HashSet<>(answer.applied());
      var withFiles = new ArrayList<TaskResult>();
      for (int r = 0; r < rows.size(); r++) {
        if (applied.contains(r)) {
          for (var i : resultsOfRow.get(r)) {
            outcomes[i] = Outcome.APPLIED;
            var result = results.get(i);
            if (result.status() == TaskResult.Status.SUCCEEDED && result.namesFiles()) {
              withFiles.add(result);
            }
          }
        } else {
          oneByOne.addAll(resultsOfRow.get(r));
        }
      }
      liveDags.reserveAppended(answer.appended(), at);
      // the files first: what the statement dispatched after a success is told which of them to check
      var newFiles = new HashSet<String>();
      if (!withFiles.isEmpty()) {
        dataObjects.record(withFiles);
        withFiles.forEach(result -> newFiles.add(result.experimentId()));
      }
      dispatches.addAll(dispatching.dispatchesOf(answer.dispatched(), newFiles));
      var finished = new LinkedHashSet<>(answer.finished());
      if (!finished.isEmpty()) {
        var events = new ArrayList<LiveDags.PendingEvent>();
        ended.addAll(moves.completeAllDone(finished, events));
        liveDags.appendEvents(events);
      }
      gating.addAll(answer.gating());
    }
    var effects = new ArrayList<Effects>();
    oneByOne.sort(null);
    for (var i : oneByOne) {
      var applied = apply(results.get(i), nowMillis);
      outcomes[i] = applied.outcome();
      effects.add(applied);
    }
    effects.add(new Effects(Outcome.APPLIED, dispatches, List.of(), ended));
    gating.removeAll(ended);
    effects.add(gates.settle(gating, nowMillis));
    return new Batch(Arrays.asList(outcomes), Effects.merge(effects));
  }

  private static void fill(Map<String, Object> row, TaskResult result) {
    row.put("status", result.status().name());
    row.put("workerId", Cypher.nullToEmpty(result.workerId()));
    row.put("outputs", result.status() == TaskResult.Status.SUCCEEDED ? Json.write(result.outputs()) : null);
    row.put("detail", onWorker(result));
  }

  /** What applying a batch did: one outcome per result, and what to send. */
  public record Batch(List<Outcome> outcomes, Effects effects) {}

  /**
   * Applies heartbeats and successes {@code $rows} (in batch order, one per task) in one statement:
   * each only if it belongs to the current attempt of a node of an executing experiment, which the
   * statement checks as it goes, so that a batch costs no read beforehand. After all of them (fan-in
   * within the batch) it dispatches the successors they made ready, as {@link Dispatching#DISPATCH}
   * does, finds the experiments left with nothing to execute, and appends every change to the audit
   * trail ({@link LiveDags#RECORD_EVENTS}). Each row's experiment is reached once, from its task, and
   * carried to the end: seeking it by id at each use costs about 5 % more per row. A row it does not
   * apply changes nothing; the caller applies it through {@link ResultRules}, which says why.
   *
   * <p>A row: {@code i}, {@code taskId}, {@code experimentId}, {@code dispatchId}, {@code attempt},
   * {@code status} ({@code RUNNING} or {@code SUCCEEDED}), {@code running} (a heartbeat of the same
   * attempt came first in the batch), {@code workerId}, {@code outputs} and {@code detail}.
   */
  static final String APPLY_RESULTS = """
      UNWIND $rows AS r
      // seeks forced: left alone, the planner scanned every task node's id to join them with the
      // rows, or started from the nodes in flight of every executing experiment
      CALL (r) {
        MATCH (t:TaskNode {id: r.taskId}) USING INDEX SEEK t:TaskNode(id)
        // the attempt is checked under the node's write lock, as in LOCKED_NODE
        SET t._LOCK_ = true
        REMOVE t._LOCK_
        WITH r, t
        WHERE t.experimentId = r.experimentId AND t.dispatchId = r.dispatchId AND t.attempt = r.attempt
          AND t.state IN $inFlight
          // one with a replica beside it goes one by one, which stops the replica
          AND NOT coalesce(t.replicaState, '') IN $replicaActive
        // its experiment over the one relationship rather than its id's index, and kept for what
        // follows; no label on e, or the planner scans every experiment
        MATCH (t)<-[:HAS_TASK]-(e)
        WHERE e.state = $experiment.EXECUTING
        RETURN t, e
      }
      WITH r, t, e, t.state AS before
      WITH r, t, e, before, coalesce(t.timeLimitDeadline, $now + t.timeLimitMs) AS limit
      SET t.workerId = r.workerId,
          t.state = CASE r.status WHEN $status.SUCCEEDED THEN $task.SUCCEEDED ELSE $task.RUNNING END,
          t.heartbeatDeadline = CASE r.status WHEN $status.SUCCEEDED THEN null ELSE $now + t.heartbeatTimeoutMs END,
          t.timeLimitDeadline = CASE r.status WHEN $status.SUCCEEDED THEN null ELSE limit END,
          t.wakeAt = CASE WHEN r.status = $status.SUCCEEDED THEN null
                          WHEN $now + t.heartbeatTimeoutMs < limit THEN $now + t.heartbeatTimeoutMs
                          ELSE limit END,
          t.isExecuted = r.status = $status.SUCCEEDED,
          t.outputs = CASE r.status WHEN $status.SUCCEEDED THEN r.outputs ELSE t.outputs END,
          t.endedAt = CASE r.status WHEN $status.SUCCEEDED THEN $at ELSE t.endedAt END,
          t.error = CASE r.status WHEN $status.SUCCEEDED THEN null ELSE t.error END
      """ + States.labelled("t") + """
      WITH collect({i: r.i, e: e, events:
               CASE WHEN before = $task.DISPATCHED AND (r.status = $status.RUNNING OR r.running)
                    THEN [{experimentId: t.experimentId, type: 'task.state', taskKey: t.key, state: $task.RUNNING,
                           detail: r.detail, at: $at}] ELSE [] END
             + CASE WHEN r.status = $status.SUCCEEDED
                    THEN [{experimentId: t.experimentId, type: 'task.state', taskKey: t.key, state: $task.SUCCEEDED,
                           detail: r.detail, at: $at}] ELSE [] END
           }) AS applied,
           collect(CASE r.status WHEN $status.SUCCEEDED THEN {t: t, e: e} END) AS done
      CALL (done) {
        UNWIND done AS d
        WITH d.t AS t
        // no label on s: the planner must expand from t, not seek every waiting node of every experiment
        MATCH (t)-[:NEXT]->(s) WHERE s.state = $task.WAITING
        WITH DISTINCT s
        // a node with a condition or an expansion is left to Gates; a skipped or expanded predecessor
        // counts as done
        WHERE s.condition IS NULL AND s.expandFrom IS NULL
          AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE
              """ + Dispatching.unsettled("p") + """
              }
      """ + Dispatching.DISPATCH + """
        WITH s ORDER BY s.experimentId, s.position
        // the outputs its context names, so that resolving it needs no read afterwards
        CALL (s) {
          UNWIND coalesce(s.outputsFrom, []) AS k
          MATCH (x:TaskNode {id: s.experimentId + ':' + k}) USING INDEX SEEK x:TaskNode(id)
          WHERE x.isExecuted
          RETURN collect(x {.key, .outputs}) AS upstream
        }
        RETURN collect(s {""" + Dispatching.DISPATCHED_FIELDS + """
          , upstream: upstream}) AS dispatched
      }
      CALL (done, dispatched) {
        WITH done, [d IN dispatched | d.experimentId] AS busy
        UNWIND done AS d
        WITH DISTINCT d.e AS e, busy
        WHERE NOT e.id IN busy
          AND NOT EXISTS { MATCH (e)-[:HAS_TASK]->(x:TaskNode) WHERE
              """ + Dispatching.unsettled("x") + """
              }
        RETURN collect(e.id) AS finished
      }
      CALL (applied, dispatched) {
        // flattened by collect: a chain of list concatenations costs in the square of its length
        UNWIND applied AS a
        UNWIND a.events AS event
        WITH collect({e: a.e, event: event}) AS taskEvents, dispatched
        // a node dispatched here follows a success here in its experiment, whose event holds e
        UNWIND taskEvents + [ev IN """ + Dispatching.DISPATCHED_EVENTS + """
         | {event: ev}] AS p
        WITH p.event.experimentId AS id, collect(p.event) AS events, collect(p.e)[0] AS e
        WITH e, {id: id, events: events} AS g ORDER BY g.id
      """ + LiveDags.RECORD_EVENTS + """
        RETURN collect({id: e.id, base: base, events: g.events}) AS appended
      }
      RETURN [a IN applied | a.i] AS applied, dispatched, finished, appended,
             [d IN done WHERE d.t.gates | d.t.experimentId] AS gating""";

  /**
   * The node a result {@code $taskId} is about, read under its write lock (taken by the dummy
   * {@code SET}, held until the commit): Neo4j reads what is committed without locking, so two
   * transactions that both read the attempt in flight, a success and the timeout of the same attempt
   * say, would both apply it, and the later one would undo the earlier. With the lock, the later one
   * reads what the earlier one wrote.
   */
  static final String LOCKED_NODE = """
      MATCH (t:TaskNode {id: $taskId})
      SET t._LOCK_ = true
      REMOVE t._LOCK_
      WITH t
      MATCH (e:Experiment {id: t.experimentId})
      // a job submission run again for a replica answers for the node it runs for, locked as well
      OPTIONAL MATCH (f:TaskNode {id: t.replicaFor})
      FOREACH (x IN CASE WHEN f IS NULL THEN [] ELSE [f] END | SET x._LOCK_ = true REMOVE x._LOCK_)
      RETURN t.experimentId AS experimentId, t.key AS key, t.state AS state, t.dispatchId AS dispatchId,
             t.attempt AS attempt, t.maxAttempts AS maxAttempts, e.state AS experimentState,
             t.replicaId AS replicaId, CASE WHEN f IS NULL THEN t.replicaState ELSE f.replicaState END AS replicaState,
             f IS NOT NULL AS forReplica""";

  /** Applies one result of a worker, if it belongs to the current attempt of its node. */
  public Effects apply(TaskResult result, long nowMillis) {
    var node = cypher.query(LOCKED_NODE).bind(result.taskId()).to("taskId")
        .fetchAs(ResultRules.NodeSnapshot.class)
        .mappedBy((types, row) -> new ResultRules.NodeSnapshot(row.get("experimentId").asString(),
            row.get("key").asString(), TaskState.valueOf(row.get("state").asString()),
            row.get("dispatchId").asString(null), row.get("attempt").asInt(), row.get("maxAttempts").asInt(),
            ExperimentState.valueOf(row.get("experimentState").asString()), row.get("replicaId").asString(null),
            row.get("replicaState").isNull() ? null : ReplicaState.valueOf(row.get("replicaState").asString()),
            row.get("forReplica").asBoolean()))
        .one().orElse(null);
    var decision = ResultRules.decide(node, result);
    if (decision instanceof ResultRules.Heartbeat heartbeat) {
      return heartbeat(result, node, heartbeat, nowMillis);
    } else if (decision instanceof ResultRules.Ignore ignore) {
      return Effects.of(ignore.outcome());
    } else if (decision instanceof ResultRules.ReplicaSubmitted submitted) {
      return replicas.submitted(result, submitted.wanted(), nowMillis);
    } else if (decision instanceof ResultRules.ReplicaAlive alive) {
      if (alive.stop()) {
        return new Effects(Outcome.APPLIED, List.of(), Replicas.stop(result), Set.of());
      }
      replicas.alive(result, nowMillis);
      return Effects.of(Outcome.APPLIED);
    } else if (decision instanceof ResultRules.ReplicaWasted replicaWasted) {
      return replicas.wasted(result, replicaWasted.why());
    } else if (decision instanceof ResultRules.ReplicaWins wins) {
      var stopOriginal = replicas.won(result, node);
      return Effects.merge(List.of(succeeded(result, node, new ResultRules.Succeed(wins.then()), nowMillis),
          new Effects(Outcome.APPLIED, List.of(), stopOriginal, Set.of())));
    }
    // the original attempt ends: a replica still running beside it is of no more use
    var stopReplica = node.hasActiveReplica()
        ? replicas.superseded(result.taskId(), node, decision instanceof ResultRules.Succeed ? "succeeded" : "ended")
        : List.<TaskControl>of();
    Effects effects;
    if (decision instanceof ResultRules.Succeed succeed) {
      effects = succeeded(result, node, succeed, nowMillis);
    } else if (decision instanceof ResultRules.Retry retry) {
      effects = retry(result, node, retry, nowMillis);
    } else if (decision instanceof ResultRules.End end) {
      effects = end(result, node, end, nowMillis);
    } else {
      effects = reconstruct(result, node, (ResultRules.Reconstruct) decision, nowMillis);
    }
    return stopReplica.isEmpty() ? effects
        : Effects.merge(List.of(effects, new Effects(Outcome.APPLIED, List.of(), stopReplica, Set.of())));
  }

  private Effects heartbeat(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Heartbeat heartbeat,
      long nowMillis) {
    cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.RUNNING, t.workerId = $workerId,
            """ + Dispatching.RUNNING_DEADLINES + "\n" + States.labelled("t"))
        .bindAll(Map.of("taskId", result.taskId(), "workerId", Cypher.nullToEmpty(result.workerId()), "now", nowMillis)).run();
    if (heartbeat.started()) {
      liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.RUNNING.name(), onWorker(result));
    }
    return Effects.of(Outcome.APPLIED);
  }

  private Effects succeeded(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Succeed succeed,
      long nowMillis) {
    boolean gatesNext = cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.SUCCEEDED, t.isExecuted = true, t.outputs = $outputs, t.workerId = $workerId,
                t.endedAt = $at, t.error = null, t.wakeAt = null, t.heartbeatDeadline = null, t.timeLimitDeadline = null
            """ + States.labelled("t") + """
            RETURN coalesce(t.gates, false)""")
        .bindAll(Map.of("taskId", result.taskId(), "outputs", Json.write(result.outputs()),
            "workerId", Cypher.nullToEmpty(result.workerId()), "at", Cypher.utcNow()))
        .fetchAs(Boolean.class).one().orElse(false);
    if (result.namesFiles()) {
      // before its successors are dispatched, with the files they are to check
      dataObjects.record(List.of(result));
    }
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.SUCCEEDED.name(), onWorker(result));
    return switch (succeed.then()) {
      case FINISH_CANCEL_IF_DONE -> Effects.ended(moves.endedIfCancelDone(result.experimentId()));
      case DISPATCH_READY_SUCCESSORS -> {
        var events = new ArrayList<LiveDags.PendingEvent>();
        var dispatches = dispatching.markDispatched(cypher.query("""
                MATCH (:TaskNode {id: $taskId})-[:NEXT]->(s)
                WHERE s.state = $task.WAITING AND s.condition IS NULL AND s.expandFrom IS NULL
                WITH s WHERE NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE
                    """ + Dispatching.unsettled("p") + """
                    }
                """ + Dispatching.MARK_DISPATCHED)
            .bindAll(Map.of("taskId", result.taskId(), "now", nowMillis, "at", Cypher.utcNow(), "redeliverMs", redeliverMs)),
            events);
        // a node just dispatched is not executed: only when none was can the experiment be done
        var ended = dispatches.isEmpty() ? moves.completeAllDone(Set.of(result.experimentId()), events) : Set.<String>of();
        liveDags.appendEvents(events);
        var applied = new Effects(Outcome.APPLIED, dispatches, List.of(), ended);
        yield gatesNext && ended.isEmpty()
            ? Effects.merge(List.of(applied, gates.settle(Set.of(result.experimentId()), nowMillis)))
            : applied;
      }
      case NOTHING, FAIL_EXPERIMENT -> Effects.of(Outcome.APPLIED);
    };
  }

  private Effects retry(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Retry retry, long nowMillis) {
    cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.READY, t.error = $error, t.notBefore = $now + t.backoffMs, t.wakeAt = $now + t.backoffMs,
                t.workerId = $workerId
            """ + States.labelled("t"))
        .bindAll(Map.of("taskId", result.taskId(), "error", errorJson(retry.error(), node.attempt()), "now", nowMillis,
            "workerId", Cypher.nullToEmpty(result.workerId()))).run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.READY.name(),
        "attempt %d of %d failed, retrying: %s".formatted(node.attempt(), node.maxAttempts(), retry.error().message()));
    return new Effects(Outcome.APPLIED, List.of(), expiredAttemptControls(result), Set.of());
  }

  private Effects end(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.End end, long nowMillis) {
    var controls = expiredAttemptControls(result);
    cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $end, t.error = $error, t.endedAt = $at, t.workerId = $workerId, t.wakeAt = null
            """ + States.labelled("t"))
        .bindAll(Map.of("taskId", result.taskId(), "end", end.state().name(), "error",
            errorJson(end.error(), node.attempt()), "at", Cypher.utcNow(), "workerId", Cypher.nullToEmpty(result.workerId()))).run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), end.state().name(),
        "attempt %d of %d: %s".formatted(node.attempt(), node.maxAttempts(), end.error().message()));
    return switch (end.then()) {
      case FINISH_CANCEL_IF_DONE -> new Effects(Outcome.APPLIED, List.of(), controls, moves.endedIfCancelDone(result.experimentId()));
      case FAIL_EXPERIMENT -> {
        var tolerance = tolerance(result.taskId());
        if (tolerance.isPresent() && tolerance.get().tolerates()) {
          yield tolerate(result, node, tolerance.get(), controls, nowMillis);
        }
        var reason = "task '%s' failed after %d attempt%s: %s%s".formatted(node.key(), node.attempt(),
            node.attempt() == 1 ? "" : "s", end.error().message(), tolerance.map(t -> "; " + t).orElse(""));
        var stop = new ArrayList<>(controls);
        stop.add(moves.failExperiment(result.experimentId(), node.experimentState(), reason));
        yield new Effects(Outcome.APPLIED, List.of(), stop, Set.of(result.experimentId()));
      }
      case NOTHING, DISPATCH_READY_SUCCESSORS -> new Effects(Outcome.APPLIED, List.of(), controls, Set.of());
    };
  }

  /**
   * The files an attempt found lost, each with its data object's state and the nodes that make it:
   * its producers and, for a monitoring producer, the job submissions it follows.
   */
  static final String LOST_FILES = """
      UNWIND $files AS f
      OPTIONAL MATCH (d:DataObject {id: $experimentId + '|' + f.resource + '|' + f.uri})
      CALL (d) {
        OPTIONAL MATCH (p:TaskNode)-[:PRODUCED]->(d)
        OPTIONAL MATCH (j:TaskNode)-[:NEXT]->(p) WHERE p.taskType = $follower AND j.taskType = $starter
        WITH collect(DISTINCT p) + collect(DISTINCT j) AS makers
        RETURN [m IN makers | m {.id, .key, .state}] AS makers
      }
      RETURN f.uri AS uri, f.resource AS resource, d.state AS state, coalesce(d.reconstructions, 0) AS reconstructions,
             makers""";

  /**
   * The attempt did not run, its inputs lost: it waits again, without counting against its
   * attempts, while the nodes that wrote the files run again. Or, when nothing can re-create one,
   * the node fails naming it.
   */
  private Effects reconstruct(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Reconstruct reconstruct,
      long nowMillis) {
    var files = reconstruct.error().lostInputs().stream().map(f -> fileRow(f.uri(), f.resource())).toList();
    var lost = cypher.query(LOST_FILES)
        .bindAll(Map.of("files", files, "experimentId", result.experimentId(), "follower", FOLLOWS_A_JOB,
            "starter", STARTS_A_JOB))
        .fetchAs(ReconstructionRules.LostFile.class)
        .mappedBy((types, row) -> new ReconstructionRules.LostFile(row.get("uri").asString(),
            row.get("resource").asString(), row.get("state").isNull() ? null : DataState.valueOf(row.get("state").asString()),
            row.get("reconstructions").asInt(), row.get("makers").asList(m -> new ReconstructionRules.Maker(
                m.get("id").asString(), m.get("key").asString(), TaskState.valueOf(m.get("state").asString())))))
        .all().stream().toList();
    var plan = ReconstructionRules.plan(node.key(), lost, reconstructions);
    var at = Cypher.utcNow();
    if (plan instanceof ReconstructionRules.GiveUp giveUp) {
      // lost, as far as anyone knows, and not to be re-created any more
      markLost(result.experimentId(), lost.stream().filter(f -> f.state() != null).toList(), false, at);
      givenUp.increment();
      var error = new TaskResult.Error(giveUp.reason(), false);
      return end(result, node, new ResultRules.End(TaskState.FAILED, error, ResultRules.Then.FAIL_EXPERIMENT), nowMillis);
    }
    var rebuild = (ReconstructionRules.Rebuild) plan;
    cypher.query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.WAITING, t.error = $error, t.maxAttempts = t.maxAttempts + 1, t.workerId = $workerId,
                t.wakeAt = null, t.heartbeatDeadline = null, t.timeLimitDeadline = null
            """ + States.labelled("t"))
        .bindAll(Map.of("taskId", result.taskId(), "error", errorJson(reconstruct.error(), node.attempt()),
            "workerId", Cypher.nullToEmpty(result.workerId()))).run();
    markLost(result.experimentId(), rebuild.marked(), true, at);
    var rerun = rebuild.rerun().entrySet().stream()
        .map(e -> Map.<String, Object>of("id", e.getKey(), "reason", e.getValue())).toList();
    var keys = cypher.query("""
            UNWIND $rerun AS r
            MATCH (t:TaskNode {id: r.id}) WHERE t.state = $task.SUCCEEDED
            SET t.attemptsPerRun = coalesce(t.attemptsPerRun, t.maxAttempts)
            SET t.state = $task.WAITING, t.isExecuted = false, t.error = null, t.endedAt = null, t.wakeAt = null,
                t.maxAttempts = t.attempt + t.attemptsPerRun,
                t.reexecutions = coalesce(t.reexecutions, []) + [r.reason]
            """ + States.labelled("t") + """
            RETURN t.key AS key, r.reason AS reason ORDER BY t.position""")
        .bind(rerun).to("rerun")
        .fetch().all();
    reruns.increment(keys.size());
    var events = new ArrayList<LiveDags.PendingEvent>();
    events.add(new LiveDags.PendingEvent(result.experimentId(), "task.state", node.key(), TaskState.WAITING.name(),
        "attempt %d did not run: %s; it runs again once they are re-created".formatted(node.attempt(),
            reconstruct.error().message())));
    keys.forEach(row -> events.add(new LiveDags.PendingEvent(result.experimentId(), "task.state",
        (String) row.get("key"), TaskState.WAITING.name(), (String) row.get("reason"))));
    var dispatches = dispatching.markDispatched(cypher.query("""
            UNWIND $ids AS id
            MATCH (s:TaskNode {id: id})
            WHERE s.state = $task.WAITING AND s.condition IS NULL AND s.expandFrom IS NULL
              AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE
                """ + Dispatching.unsettled("p") + """
                }
            """ + Dispatching.MARK_DISPATCHED)
        .bindAll(Map.of("ids", List.copyOf(rebuild.rerun().keySet()), "now", nowMillis, "at", at,
            "redeliverMs", redeliverMs)),
        events);
    liveDags.appendEvents(events);
    return new Effects(Outcome.APPLIED, dispatches, List.of(), Set.of());
  }

  /** A file as the statements that find its data object take it. */
  private static Map<String, Object> fileRow(String uri, String resource) {
    return Map.of("uri", uri, "resource", resource);
  }

  /** Marks files lost; {@code reCreating} counts a re-creation of each. */
  private void markLost(String experimentId, List<ReconstructionRules.LostFile> files, boolean reCreating,
      java.time.ZonedDateTime at) {
    if (files.isEmpty()) {
      return;
    }
    cypher.query("""
            UNWIND $files AS f
            MATCH (d:DataObject {id: $experimentId + '|' + f.resource + '|' + f.uri})
            SET d.state = $lost, d.lostAt = $at,
                d.reconstructions = coalesce(d.reconstructions, 0) + CASE WHEN $reCreating THEN 1 ELSE 0 END""")
        .bindAll(Map.of("files", files.stream().map(f -> fileRow(f.uri(), f.resource())).toList(),
            "experimentId", experimentId, "lost", DataState.LOST.name(), "at", at, "reCreating", reCreating)).run();
  }

  /**
   * A monitoring node reports the files of the job it followed once the job has ended: re-creating
   * them means running that job again, that is, the job submission the monitoring node follows.
   */
  static final String FOLLOWS_A_JOB = TaskTypeCatalog.MONITORING;
  static final String STARTS_A_JOB = TaskTypeCatalog.JOB_SUBMISSION;

  /**
   * How many members of a repeated task with {@code minSucceeded} there are, how many failed for
   * good, and how many must succeed.
   */
  record Tolerance(String minSucceeded, long members, long failed) {

    long required() {
      if (minSucceeded.endsWith("%")) {
        long percent = Long.parseLong(minSucceeded.substring(0, minSucceeded.length() - 1));
        return (members * percent + 99) / 100;
      }
      return Long.parseLong(minSucceeded);
    }

    boolean tolerates() {
      return members - failed >= required();
    }

    @Override
    public String toString() {
      return "%d of %d members failed, %d must succeed (minSucceeded %s)".formatted(failed, members, required(),
          minSucceeded);
    }
  }

  /** The tolerance of the task node {@code taskId}, just failed, if it is a member of a task with one. */
  private Optional<Tolerance> tolerance(String taskId) {
    return cypher.query("""
            MATCH (t:TaskNode {id: $taskId}) WHERE t.minSucceeded IS NOT NULL AND t.member >= 0
            MATCH (x:TaskNode {experimentId: t.experimentId}) WHERE x.templateKey = t.templateKey AND x.member >= 0
            RETURN t.minSucceeded AS minSucceeded, count(x) AS members,
                   count(CASE WHEN x.state = $task.FAILED THEN 1 END) AS failed""")
        .bind(taskId).to("taskId")
        .fetchAs(Tolerance.class).mappedBy((types, row) -> new Tolerance(row.get("minSucceeded").asString(),
            row.get("members").asLong(), row.get("failed").asLong()))
        .one();
  }

  /**
   * A member that failed while enough of its task's members can still succeed: it stays
   * {@code FAILED}, marked tolerated; what waits for it goes on without it (a fan-in gathers the
   * members that succeeded; what depends on it alone is skipped), settled in this transaction.
   */
  private Effects tolerate(TaskResult result, ResultRules.NodeSnapshot node, Tolerance tolerance,
      List<TaskControl> controls, long nowMillis) {
    cypher.query("MATCH (t:TaskNode {id: $taskId}) SET t.tolerated = true").bind(result.taskId()).to("taskId").run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.FAILED.name(),
        "tolerated: " + tolerance);
    return Effects.merge(List.of(new Effects(Outcome.APPLIED, List.of(), controls, Set.of()),
        gates.settle(Set.of(result.experimentId()), nowMillis)));
  }

  /** An attempt the orchestrator timed out may still run on its worker, which is told to stop it. */
  private static List<TaskControl> expiredAttemptControls(TaskResult result) {
    return "orchestrator".equals(result.workerId())
        ? List.of(TaskControl.cancelExpiredAttempt(result.experimentId(), result.taskId(), result.dispatchId()))
        : List.of();
  }

  private static String errorJson(TaskResult.Error error, int attempt) {
    return Json.write(Map.of("message", error.message(), "retryable", error.retryable(), "attempt", attempt));
  }

  private static String onWorker(TaskResult result) {
    return "attempt %d on worker %s".formatted(result.attempt(), result.workerId());
  }
}
