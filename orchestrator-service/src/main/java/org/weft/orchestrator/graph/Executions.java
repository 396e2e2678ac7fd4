package org.weft.orchestrator.graph;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.IllegalTransitionException;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.RerunRules;
import org.weft.orchestrator.lifecycle.ResultRules;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.orchestrator.template.Placeholders;
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
  private final long redeliverMs;

  Executions(Neo4jClient neo4j, LiveDags liveDags, DagProperties properties) {
    this.neo4j = neo4j;
    this.liveDags = liveDags;
    this.redeliverMs = properties.defaults().redeliverAfter().toMillis();
  }

  /** A statement, with the state names it uses bound as parameters ({@link States}). */
  private Neo4jClient.RunnableSpec query(String statement) {
    return neo4j.query(statement).bindAll(States.of(statement));
  }

  /** Experiments that have not ended, oldest first, with their states. */
  public Map<String, ExperimentState> active() {
    var active = new LinkedHashMap<String, ExperimentState>();
    query("""
            MATCH (e:Experiment) WHERE e.state IN $active
            RETURN e.id AS id, e.state AS state ORDER BY e.createdAt""")
        .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "state")).all()
        .forEach(row -> active.put(row.id(), row.state()));
    return active;
  }

  public Optional<ExperimentState> state(String experimentId) {
    return query("MATCH (e:Experiment {id: $id}) RETURN e.state AS state")
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
    return recoverAll(List.of(experimentId), nowMillis).effects();
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
      } else if ("RUNNING".equals(row.get("status")) && result.status() == TaskResult.Status.SUCCEEDED
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
    if (!rows.isEmpty()) {
      var at = utcNow();
      var answer = query(APPLY_RESULTS)
          .bindAll(Map.of("rows", rows, "now", nowMillis, "at", at, "redeliverMs", redeliverMs))
          .fetchAs(Rows.Applied.class).mappedBy((types, row) -> Rows.Applied.of(row)).one().orElseThrow();
      var applied = new HashSet<>(answer.applied());
      for (int r = 0; r < rows.size(); r++) {
        if (applied.contains(r)) {
          resultsOfRow.get(r).forEach(i -> outcomes[i] = Outcome.APPLIED);
        } else {
          oneByOne.addAll(resultsOfRow.get(r));
        }
      }
      liveDags.reserveAppended(answer.appended(), at);
      dispatches.addAll(dispatchesOf(answer.dispatched()));
      var finished = new LinkedHashSet<>(answer.finished());
      if (!finished.isEmpty()) {
        var events = new ArrayList<LiveDags.PendingEvent>();
        ended.addAll(completeAllDone(finished, events));
        liveDags.appendEvents(events);
      }
    }
    var effects = new ArrayList<Effects>();
    oneByOne.sort(null);
    for (var i : oneByOne) {
      var applied = apply(results.get(i), nowMillis);
      outcomes[i] = applied.outcome();
      effects.add(applied);
    }
    effects.add(new Effects(Outcome.APPLIED, dispatches, List.of(), ended));
    return new Batch(Arrays.asList(outcomes), Effects.merge(effects));
  }

  private static void fill(Map<String, Object> row, TaskResult result) {
    row.put("status", result.status().name());
    row.put("workerId", nullToEmpty(result.workerId()));
    row.put("outputs", result.status() == TaskResult.Status.SUCCEEDED ? Json.write(result.outputs()) : null);
    row.put("detail", "attempt %d on worker %s".formatted(result.attempt(), result.workerId()));
  }

  /** What applying a batch did: one outcome per result, and what to send. */
  public record Batch(List<Outcome> outcomes, Effects effects) {}

  /**
   * Makes the nodes {@code s} a statement matched a new attempt: a new dispatch id, queued for a
   * worker. A queued attempt has no heartbeat deadline and no time limit yet: the time it waits for
   * a worker is not silence, and counting it as such turned a burst into a retry storm (attempts
   * waiting behind others timed out, and their retries queued behind them again). Both start when a
   * worker takes it ({@link #RUNNING_DEADLINES}). It wakes the owner's timers after
   * {@code $redeliverMs}, to be sent again with the same id should it have been lost.
   */
  private static final String DISPATCH = """
      SET s.state = $task.DISPATCHED, s.attempt = s.attempt + 1, s.dispatchId = randomUUID(),
          s.dispatchedAt = $now, s.heartbeatDeadline = null, s.timeLimitDeadline = null,
          s.notBefore = null, s.startedAt = $at, s.endedAt = null, s.wakeAt = $now + $redeliverMs
      """;

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

  /** What the dispatch message of a node {@code s} just dispatched needs, as map projection fields. */
  private static final String DISPATCHED_FIELDS =
      ".id, .experimentId, .key, .taskType, .attempt, .dispatchId, .context, deadline: " + "$now + s.timeLimitMs";

  /** The {@code DISPATCHED} events of the nodes {@code dispatched}, projected with {@link #DISPATCHED_FIELDS}. */
  private static final String DISPATCHED_EVENTS = """
      [d IN dispatched | {experimentId: d.experimentId, type: 'task.state', taskKey: d.key, state: $task.DISPATCHED,
                          detail: 'attempt ' + toString(d.attempt), at: $at}]""";

  /**
   * The tail of every statement that dispatches the nodes {@code s} it matched: {@link #DISPATCH},
   * then each returned with what its dispatch message needs.
   */
  static final String MARK_DISPATCHED = DISPATCH + """
      RETURN s.id AS id, s.experimentId AS experimentId, s.key AS key, s.taskType AS taskType, s.attempt AS attempt,
             s.dispatchId AS dispatchId, s.context AS context, $now + s.timeLimitMs AS deadline
      ORDER BY s.experimentId, s.position""";

  /**
   * Applies heartbeats and successes {@code $rows} (in batch order, one per task) in one statement:
   * each only if it belongs to the current attempt of a node of an executing experiment, which the
   * statement checks as it goes, so that a batch costs no read beforehand. After all of them (fan-in
   * within the batch) it dispatches the successors they made ready, as {@link #DISPATCH} does,
   * finds the experiments left with nothing to execute, and appends every change to the audit trail
   * ({@link LiveDags#RECORD_EVENTS}). Each row's experiment is reached once, from its task, and
   * carried to the end (sought by id three times per row before, it cost about 5% more per row in
   * a probe). A row it does not apply changes nothing; the caller learns why by applying it the slow
   * way.
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
        WHERE NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.isExecuted = false }
      """ + DISPATCH + """
        WITH s ORDER BY s.experimentId, s.position
        // the outputs its context names, so that resolving it needs no read afterwards
        CALL (s) {
          UNWIND coalesce(s.outputsFrom, []) AS k
          MATCH (x:TaskNode {id: s.experimentId + ':' + k}) USING INDEX SEEK x:TaskNode(id)
          WHERE x.isExecuted
          RETURN collect(x {.key, .outputs}) AS upstream
        }
        RETURN collect(s {""" + DISPATCHED_FIELDS + """
          , upstream: upstream}) AS dispatched
      }
      CALL (done, dispatched) {
        WITH done, [d IN dispatched | d.experimentId] AS busy
        UNWIND done AS d
        WITH DISTINCT d.e AS e, busy
        WHERE NOT e.id IN busy AND NOT EXISTS { MATCH (e)-[:HAS_TASK]->(x:TaskNode) WHERE x.isExecuted = false }
        RETURN collect(e.id) AS finished
      }
      CALL (applied, dispatched) {
        // flattened by collect: a chain of list concatenations costs in the square of its length
        UNWIND applied AS a
        UNWIND a.events AS event
        WITH collect({e: a.e, event: event}) AS taskEvents, dispatched
        // a node dispatched here follows a success here in its experiment, whose event holds e
        UNWIND taskEvents + [ev IN """ + DISPATCHED_EVENTS + """
         | {event: ev}] AS p
        WITH p.event.experimentId AS id, collect(p.event) AS events, collect(p.e)[0] AS e
        WITH e, {id: id, events: events} AS g ORDER BY g.id
      """ + LiveDags.RECORD_EVENTS + """
        RETURN collect({id: e.id, base: base, events: g.events}) AS appended
      }
      RETURN [a IN applied | a.i] AS applied, dispatched, finished, appended""";

  /** The states of experiments {@code $ids}. */
  static final String STATES = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      RETURN e.id AS id, e.state AS state""";

  /** Moves those of experiments {@code $ids} that are new or relaunched to {@code EXECUTING}. */
  static final String START_EXECUTING = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state IN $startable
      WITH e, e.state AS from
      SET e.state = $experiment.EXECUTING,
          e.reason = CASE WHEN from = $experiment.CREATED THEN null ELSE e.reason END,
          e.startedAt = CASE WHEN from = $experiment.CREATED THEN $at ELSE e.startedAt END,
          e.endedAt = CASE WHEN from = $experiment.CREATED THEN null ELSE e.endedAt END
      RETURN e.id AS id, from""";

  /** The attempts in flight of experiments {@code $ids}, whose heartbeat timeouts start again. */
  static final String IN_FLIGHT = """
      UNWIND $ids AS id
      MATCH (s:TaskNode {experimentId: id}) USING INDEX SEEK s:TaskNode(experimentId)
      WHERE s.state IN $inFlight
      SET s.heartbeatDeadline = CASE s.state WHEN $task.RUNNING THEN $now + s.heartbeatTimeoutMs END,
          s.wakeAt = CASE WHEN s.state = $task.DISPATCHED THEN $now + $redeliverMs
                          WHEN $now + s.heartbeatTimeoutMs < s.timeLimitDeadline THEN $now + s.heartbeatTimeoutMs
                          ELSE s.timeLimitDeadline END
      RETURN s.id AS id, s.experimentId AS experimentId, s.key AS key, s.taskType AS taskType,
             s.attempt AS attempt, s.dispatchId AS dispatchId, s.context AS context,
             coalesce(s.timeLimitDeadline, $now + s.timeLimitMs) AS deadline
      ORDER BY s.experimentId, s.position""";

  /** Completes those of the experiments {@code $rows} (id, outputs) still executing. */
  static final String COMPLETE = """
      UNWIND $rows AS r
      MATCH (e:Experiment {id: r.id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state = $executing
      WITH e, r, e.state AS from
      SET e.state = $completed, e.outputs = r.outputs, e.endedAt = $at
      RETURN e.id AS id, from""";

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
      RETURN t.experimentId AS experimentId, t.key AS key, t.state AS state, t.dispatchId AS dispatchId,
             t.attempt AS attempt, t.maxAttempts AS maxAttempts, e.state AS experimentState""";

  /**
   * Attempts of experiments {@code $ids} past their heartbeat timeout or time limit. It runs every
   * tick, so it reads only the nodes whose {@code wakeAt} has come, through its index: going through
   * every owned experiment instead took the timer thread 14 % of a core with 2,000 of them running
   * and none due.
   */
  static final String EXPIRED = """
      MATCH (t:TaskNode) USING INDEX SEEK t:TaskNode(wakeAt)
      WHERE t.wakeAt <= $now AND t.experimentId IN $ids AND t.state IN $inFlight
        AND (t.heartbeatDeadline < $now OR t.timeLimitDeadline < $now)
      RETURN t.id AS id, t.experimentId AS experimentId, t.dispatchId AS dispatchId, t.attempt AS attempt,
             t.timeLimitDeadline < $now AS overTime, t.timeLimitMs AS timeLimitMs,
             t.heartbeatTimeoutMs AS heartbeatTimeoutMs""";

  /**
   * Attempts of experiments {@code $ids} queued for a worker for {@code $redeliverMs} without being
   * taken; each wakes the timers again after as long. Sought like {@link #EXPIRED}.
   */
  static final String LONG_QUEUED = """
      MATCH (t:TaskNode) USING INDEX SEEK t:TaskNode(wakeAt)
      WHERE t.wakeAt <= $now AND t.experimentId IN $ids AND t.state = $task.DISPATCHED
        AND t.heartbeatDeadline IS NULL AND t.timeLimitDeadline IS NULL
      SET t.wakeAt = $now + $redeliverMs
      RETURN t.id AS id, t.experimentId AS experimentId, t.key AS key, t.taskType AS taskType, t.attempt AS attempt,
             t.dispatchId AS dispatchId, t.context AS context, $now + t.timeLimitMs AS deadline
      ORDER BY t.experimentId, t.position""";

  /**
   * Retries of executing experiments {@code $ids} whose backoff has passed; ends in
   * {@link #MARK_DISPATCHED}. Like {@link #EXPIRED} it reads only the nodes whose {@code wakeAt} has
   * come; the hint on the experiment forces a seek by its id (the planner may otherwise seek every
   * executing experiment).
   */
  static final String DUE_RETRIES = """
      MATCH (s:TaskNode) USING INDEX SEEK s:TaskNode(wakeAt)
      WHERE s.wakeAt <= $now AND s.experimentId IN $ids AND s.state = $task.READY
      MATCH (e:Experiment {id: s.experimentId}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state = $experiment.EXECUTING
      """;

  /**
   * The nodes of experiments {@code $ids} that can be dispatched now: retries whose backoff has
   * passed, and waiting nodes whose predecessors are all executed. It goes from each experiment to
   * its nodes: matched by their experiment id, the planner answered the {@code OR} with a scan of
   * every task node's index entry once the database had some history.
   */
  static final String LAUNCH_READY = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      MATCH (e)-[:HAS_TASK]->(s:TaskNode)
      WHERE (s.state = $task.READY AND coalesce(s.notBefore, 0) <= $now)
         OR (s.state = $task.WAITING AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.isExecuted = false })
      """;

  /**
   * The sinks, with their outputs, of those executing experiments {@code $ids} that have no node
   * left to execute. The hint keeps the planner from scanning every experiment per id.
   */
  static final String DONE_SINKS = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state = $experiment.EXECUTING AND NOT EXISTS { MATCH (e)-[:HAS_TASK]->(t:TaskNode) WHERE t.isExecuted = false }
      MATCH (e)-[:HAS_TASK]->(t:TaskNode) WHERE NOT (t)-[:NEXT]->()
      RETURN e.id AS id, t.key AS key, t.outputs AS outputs ORDER BY id, t.position""";

  /** Runs a statement ending in {@link #MARK_DISPATCHED}; records the events and returns the messages. */
  private List<TaskDispatch> markDispatched(Neo4jClient.RunnableSpec query,
      List<LiveDags.PendingEvent> events) {
    var rows = dispatched(query);
    for (var row : rows) {
      events.add(new LiveDags.PendingEvent(row.experimentId(), "task.state", row.key(), TaskState.DISPATCHED.name(),
          "attempt " + row.attempt()));
    }
    return dispatchesOf(rows);
  }

  /**
   * Creates experiments {@code $experiments} ({@link LiveDags#CREATE_LIVE_DAGS}) already launched:
   * each moves to {@code EXECUTING}, its root nodes are dispatched ({@link #DISPATCH}) and its
   * creation, launch and dispatches are recorded as one group of events: the path
   * {@code CREATED → LAUNCHED → EXECUTING} in one statement, where creating and then relaunching
   * would take seven statements and two event nodes per experiment.
   */
  static final String CREATE_AND_LAUNCH = LiveDags.CREATE_LIVE_DAGS + """
      CALL (nodes) {
        UNWIND nodes AS s
        WITH s WHERE s.state = $task.READY
      """ + DISPATCH + """
        RETURN collect(s {""" + DISPATCHED_FIELDS + """
          }) AS dispatched
      }
      SET e.state = $experiment.EXECUTING, e.startedAt = $at
      WITH e, dispatched,
           {events: [x.created, {type: 'experiment.state', state: $experiment.LAUNCHED, at: $at},
                     {type: 'experiment.state', state: $experiment.EXECUTING, at: $at}]
                  + """ + DISPATCHED_EVENTS + """
           } AS g
      """ + LiveDags.RECORD_EVENTS + """
      RETURN e.id AS id, base, g.events AS events, dispatched""";

  /**
   * Writes new experiments and launches them in the caller's transaction, with one statement
   * whatever their number ({@link #CREATE_AND_LAUNCH}). Those planned from a template version that
   * is no longer the newest are left out.
   *
   * @return the experiments created, and their root nodes' dispatches to send after the commit
   */
  public Launched createAndLaunch(List<LiveDags.NewLiveDag> dags, long nowMillis) {
    var at = utcNow();
    var rows = query(CREATE_AND_LAUNCH)
        .bindAll(Map.of("experiments", LiveDags.rows(dags, at), "now", nowMillis, "at", at, "redeliverMs", redeliverMs))
        .fetchAs(Rows.Created.class).mappedBy((types, row) -> Rows.Created.of(row)).all();
    liveDags.reserveAppended(rows.stream().map(Rows.Created::appended).toList(), at);
    var created = new LinkedHashSet<String>();
    rows.forEach(row -> created.add(row.appended().experimentId()));
    var dispatched = rows.stream().flatMap(row -> row.dispatched().stream()).toList();
    return new Launched(created, dispatchesOf(dispatched));
  }

  /** What {@link #createAndLaunch} did: the experiments it created, the dispatches to send. */
  public record Launched(Set<String> created, List<TaskDispatch> dispatches) {}

  /**
   * Takes many experiments in hand at once, as {@link #recover} does one, with a handful of
   * statements for all of those that are new, relaunched or executing; others go one by one.
   *
   * @return what to send, and the state each experiment is in now
   */
  public Recovery recoverAll(List<String> experimentIds, long nowMillis) {
    var states = new LinkedHashMap<String, ExperimentState>();
    query(STATES)
        .bind(experimentIds).to("ids")
        .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "state")).all()
        .forEach(row -> states.put(row.id(), row.state()));
    var together = new ArrayList<String>();
    var effects = new ArrayList<Effects>();
    for (var entry : states.entrySet()) {
      switch (entry.getValue()) {
        case CREATED, LAUNCHED, EXECUTING -> together.add(entry.getKey());
        default -> effects.add(recover(entry.getKey(), nowMillis));
      }
    }
    if (!together.isEmpty()) {
      var events = new ArrayList<LiveDags.PendingEvent>();
      var at = utcNow();
      query(START_EXECUTING)
          .bindAll(Map.of("ids", together, "at", at))
          .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "from")).all()
          .forEach(row -> {
            var id = row.id();
            var from = row.state();
            if (from == ExperimentState.CREATED) {
              from = from.moveTo(ExperimentState.LAUNCHED);
              events.add(new LiveDags.PendingEvent(id, "experiment.state", null, ExperimentState.LAUNCHED.name(), null));
            }
            from.moveTo(ExperimentState.EXECUTING);
            events.add(new LiveDags.PendingEvent(id, "experiment.state", null, ExperimentState.EXECUTING.name(), null));
            states.put(id, ExperimentState.EXECUTING);
          });
      // attempts in flight go out again as they were, with their own dispatch id
      var dispatches = new ArrayList<>(dispatchesOf(dispatched(query(IN_FLIGHT)
          .bindAll(Map.of("ids", together, "now", nowMillis, "redeliverMs", redeliverMs)))));
      dispatches.addAll(markDispatched(query(LAUNCH_READY + MARK_DISPATCHED)
          .bindAll(Map.of("ids", together, "now", nowMillis, "at", at, "redeliverMs", redeliverMs)), events));
      var idle = new LinkedHashSet<>(together);
      dispatches.forEach(dispatch -> idle.remove(dispatch.experimentId()));
      var ended = completeAllDone(idle, events);
      liveDags.appendEvents(events);
      ended.forEach(id -> states.put(id, ExperimentState.COMPLETED));
      effects.add(new Effects(Outcome.APPLIED, dispatches, List.of(), ended));
    }
    for (var id : experimentIds) {
      if (!states.containsKey(id) || !together.contains(id)) {
        state(id).ifPresent(state -> states.put(id, state));
      }
    }
    return new Recovery(states, Effects.merge(effects));
  }

  /** What {@link #recoverAll} did: the experiments' states now, and what to send. */
  public record Recovery(Map<String, ExperimentState> states, Effects effects) {}

  /**
   * Completes, with two statements for all of them, the executing experiments among
   * {@code candidates} that have no node left to execute; their outputs are those of their sinks.
   */
  private Set<String> completeAllDone(Set<String> candidates, List<LiveDags.PendingEvent> events) {
    var ended = new LinkedHashSet<String>();
    if (candidates.isEmpty()) {
      return ended;
    }
    var outputs = new LinkedHashMap<String, Map<String, Object>>();
    query(DONE_SINKS)
        .bind(List.copyOf(candidates)).to("ids")
        .fetchAs(Rows.Sink.class).mappedBy((types, row) -> Rows.Sink.of(row)).all()
        .forEach(sink -> outputs.computeIfAbsent(sink.experimentId(), id -> new LinkedHashMap<>())
            .put(sink.key(), Json.readMap(sink.outputs())));
    if (outputs.isEmpty()) {
      return ended;
    }
    var rows = outputs.entrySet().stream()
        .map(entry -> Map.<String, Object>of("id", entry.getKey(), "outputs", Json.write(entry.getValue()))).toList();
    query(COMPLETE)
        .bindAll(Map.of("rows", rows, "at", utcNow(), "executing", ExperimentState.EXECUTING.name(),
            "completed", ExperimentState.COMPLETED.name()))
        .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "from")).all()
        .forEach(row -> {
          var id = row.id();
          row.state().moveTo(ExperimentState.COMPLETED);
          events.add(new LiveDags.PendingEvent(id, "experiment.state", null, ExperimentState.COMPLETED.name(), null));
          ended.add(id);
        });
    return ended;
  }

  /** Applies one result of a worker, if it belongs to the current attempt of its node. */
  public Effects apply(TaskResult result, long nowMillis) {
    var node = query(LOCKED_NODE).bind(result.taskId()).to("taskId")
        .fetchAs(ResultRules.NodeSnapshot.class)
        .mappedBy((types, row) -> new ResultRules.NodeSnapshot(row.get("experimentId").asString(),
            row.get("key").asString(), TaskState.valueOf(row.get("state").asString()),
            row.get("dispatchId").asString(null), row.get("attempt").asInt(), row.get("maxAttempts").asInt(),
            ExperimentState.valueOf(row.get("experimentState").asString())))
        .one().orElse(null);
    var decision = ResultRules.decide(node, result);
    if (decision instanceof ResultRules.Heartbeat heartbeat) {
      return heartbeat(result, node, heartbeat, nowMillis);
    } else if (decision instanceof ResultRules.Succeed succeed) {
      return succeeded(result, node, succeed, nowMillis);
    } else if (decision instanceof ResultRules.Retry retry) {
      return retry(result, node, retry, nowMillis);
    } else if (decision instanceof ResultRules.End end) {
      return end(result, node, end);
    }
    return Effects.of(((ResultRules.Ignore) decision).outcome());
  }

  /**
   * Attempts of owned experiments that went silent past their heartbeat timeout or ran past their
   * time limit; each becomes a failed, retryable attempt, and its worker is told to stop it.
   */
  public List<TaskResult> expired(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    return query(EXPIRED)
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis))
        .fetchAs(Rows.Expired.class).mappedBy((types, row) -> Rows.Expired.of(row)).all().stream().map(row -> {
          var message = row.overTime()
              ? "exceeded its time limit of " + java.time.Duration.ofMillis(row.timeLimitMs())
              : "sent no heartbeat for " + java.time.Duration.ofMillis(row.heartbeatTimeoutMs());
          return new TaskResult(row.dispatchId(), row.experimentId(), row.taskId(), row.attempt(),
              TaskResult.Status.FAILED, Map.of(),
              new TaskResult.Error("the attempt " + message, true), "orchestrator", Instant.ofEpochMilli(nowMillis));
        }).toList();
  }

  /**
   * Attempts of owned experiments that have waited for a worker for {@code redeliverAfter}: the
   * dispatches to send again as they are, with their own ids (a worker that has one already answers
   * with it, so a repeat never runs twice). Nothing else about them changes.
   */
  public List<TaskDispatch> longQueued(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    return dispatchesOf(dispatched(query(LONG_QUEUED)
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis, "redeliverMs", redeliverMs))));
  }

  /** Retries of owned experiments whose backoff has passed. */
  public Effects dueRetries(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    var events = new ArrayList<LiveDags.PendingEvent>();
    var dispatches = markDispatched(query(DUE_RETRIES + MARK_DISPATCHED)
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis, "at", utcNow(), "redeliverMs", redeliverMs)), events);
    liveDags.appendEvents(events);
    return new Effects(Outcome.APPLIED, dispatches, List.of(), Set.of());
  }

  private Effects heartbeat(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Heartbeat heartbeat,
      long nowMillis) {
    query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.RUNNING, t.workerId = $workerId,
            """ + RUNNING_DEADLINES)
        .bindAll(Map.of("taskId", result.taskId(), "workerId", nullToEmpty(result.workerId()), "now", nowMillis)).run();
    if (heartbeat.started()) {
      liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.RUNNING.name(), onWorker(result));
    }
    return Effects.of(Outcome.APPLIED);
  }

  private Effects succeeded(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Succeed succeed,
      long nowMillis) {
    query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.SUCCEEDED, t.isExecuted = true, t.outputs = $outputs, t.workerId = $workerId,
                t.endedAt = $at, t.error = null, t.wakeAt = null, t.heartbeatDeadline = null, t.timeLimitDeadline = null""")
        .bindAll(Map.of("taskId", result.taskId(), "outputs", Json.write(result.outputs()),
            "workerId", nullToEmpty(result.workerId()), "at", utcNow())).run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.SUCCEEDED.name(), onWorker(result));
    return switch (succeed.then()) {
      case FINISH_CANCEL_IF_DONE -> new Effects(Outcome.APPLIED, List.of(), List.of(), endedIfCancelDone(result.experimentId()));
      case DISPATCH_READY_SUCCESSORS -> {
        var events = new ArrayList<LiveDags.PendingEvent>();
        var dispatches = markDispatched(query("""
                MATCH (:TaskNode {id: $taskId})-[:NEXT]->(s) WHERE s.state = $task.WAITING
                WITH s WHERE NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE p.isExecuted = false }
                """ + MARK_DISPATCHED)
            .bindAll(Map.of("taskId", result.taskId(), "now", nowMillis, "at", utcNow(), "redeliverMs", redeliverMs)),
            events);
        // a node just dispatched is not executed: only when none was can the experiment be done
        var ended = dispatches.isEmpty() ? completeAllDone(Set.of(result.experimentId()), events) : Set.<String>of();
        liveDags.appendEvents(events);
        yield new Effects(Outcome.APPLIED, dispatches, List.of(), ended);
      }
      case NOTHING, FAIL_EXPERIMENT -> Effects.of(Outcome.APPLIED);
    };
  }

  private Effects retry(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.Retry retry, long nowMillis) {
    query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $task.READY, t.error = $error, t.notBefore = $now + t.backoffMs, t.wakeAt = $now + t.backoffMs,
                t.workerId = $workerId""")
        .bindAll(Map.of("taskId", result.taskId(), "error", errorJson(retry.error(), node.attempt()), "now", nowMillis,
            "workerId", nullToEmpty(result.workerId()))).run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), TaskState.READY.name(),
        "attempt %d of %d failed, retrying: %s".formatted(node.attempt(), node.maxAttempts(), retry.error().message()));
    return new Effects(Outcome.APPLIED, List.of(), expiredAttemptControls(result), Set.of());
  }

  private Effects end(TaskResult result, ResultRules.NodeSnapshot node, ResultRules.End end) {
    var controls = expiredAttemptControls(result);
    query("""
            MATCH (t:TaskNode {id: $taskId})
            SET t.state = $end, t.error = $error, t.endedAt = $at, t.workerId = $workerId, t.wakeAt = null""")
        .bindAll(Map.of("taskId", result.taskId(), "end", end.state().name(), "error",
            errorJson(end.error(), node.attempt()), "at", utcNow(), "workerId", nullToEmpty(result.workerId()))).run();
    liveDags.appendEvent(result.experimentId(), "task.state", node.key(), end.state().name(),
        "attempt %d of %d: %s".formatted(node.attempt(), node.maxAttempts(), end.error().message()));
    return switch (end.then()) {
      case FINISH_CANCEL_IF_DONE -> new Effects(Outcome.APPLIED, List.of(), controls, endedIfCancelDone(result.experimentId()));
      case FAIL_EXPERIMENT -> {
        var reason = "task '%s' failed after %d attempt%s: %s".formatted(node.key(), node.attempt(),
            node.attempt() == 1 ? "" : "s", end.error().message());
        moveExperiment(result.experimentId(), node.experimentState(), ExperimentState.FAILED, reason);
        // nothing of a failed experiment is retried or timed out any more: its nodes leave the ticks' index
        query("MATCH (t:TaskNode {experimentId: $id}) WHERE t.wakeAt IS NOT NULL SET t.wakeAt = null")
            .bind(result.experimentId()).to("id").run();
        // the experiment has failed: attempts still running elsewhere in it are of no use any more
        var stop = new ArrayList<>(controls);
        stop.add(TaskControl.cancelExperiment(result.experimentId(), TaskControl.Reason.EXPERIMENT_FAILED));
        yield new Effects(Outcome.APPLIED, List.of(), stop, Set.of(result.experimentId()));
      }
      case NOTHING, DISPATCH_READY_SUCCESSORS -> new Effects(Outcome.APPLIED, List.of(), controls, Set.of());
    };
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

  private Set<String> endedIfCancelDone(String experimentId) {
    return finishCancelIfDone(experimentId) ? Set.of(experimentId) : Set.of();
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
    var cancelled = query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $notStarted
            SET t.state = $task.CANCELLED, t.endedAt = $at, t.wakeAt = null
            RETURN t.key AS key ORDER BY t.position""")
        .bindAll(Map.of("id", experimentId, "at", utcNow())).fetchAs(String.class).all();
    for (var key : cancelled) {
      liveDags.appendEvent(experimentId, "task.state", key, TaskState.CANCELLED.name(), "cancelled before it started");
    }
    query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $inFlight
            SET t.timeLimitDeadline = CASE WHEN t.timeLimitDeadline < $deadline THEN t.timeLimitDeadline ELSE $deadline END,
                t.wakeAt = CASE WHEN t.wakeAt < $deadline THEN t.wakeAt ELSE $deadline END""")
        .bindAll(Map.of("id", experimentId, "deadline", nowMillis + graceMillis)).run();
    var ended = finishCancelIfDone(experimentId) ? Set.of(experimentId) : Set.<String>of();
    return new Effects(Outcome.APPLIED, List.of(),
        List.of(TaskControl.cancelExperiment(experimentId, TaskControl.Reason.EXPERIMENT_CANCELLED)), ended);
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
    var nodes = query("""
            MATCH (t:TaskNode {experimentId: $id})
            RETURN t.key AS key, t.state AS state ORDER BY t.position""")
        .bind(experimentId).to("id")
        .fetchAs(RerunRules.Node.class)
        .mappedBy((types, row) -> new RerunRules.Node(row.get("key").asString(), TaskState.valueOf(row.get("state").asString())))
        .all().stream().toList();
    var edges = query("""
            MATCH (a:TaskNode {experimentId: $id})-[:NEXT]->(b:TaskNode)
            RETURN a.key AS from, b.key AS to""")
        .bind(experimentId).to("id")
        .fetchAs(RerunRules.Edge.class)
        .mappedBy((types, row) -> new RerunRules.Edge(row.get("from").asString(), row.get("to").asString()))
        .all().stream().toList();
    var reset = RerunRules.reset(state, fromTask, nodes, edges);
    query("""
            UNWIND $ids AS id
            MATCH (t:TaskNode {id: id})
            SET t.state = $task.WAITING, t.isExecuted = false, t.attempt = 0, t.outputs = null, t.error = null,
                t.dispatchId = null, t.workerId = null, t.startedAt = null, t.endedAt = null, t.notBefore = null,
                t.wakeAt = null""")
        .bind(reset.stream().map(key -> LiveDagPlan.taskId(experimentId, key)).toList()).to("ids").run();
    for (var key : reset) {
      liveDags.appendEvent(experimentId, "task.state", key, TaskState.WAITING.name(), "reset by rerun");
    }
    query("MATCH (e:Experiment {id: $id}) SET e.outputs = null").bind(experimentId).to("id").run();
    // retries left waiting when it failed are due again at the end of their backoff
    query("MATCH (t:TaskNode {experimentId: $id}) WHERE t.state = $task.READY SET t.wakeAt = coalesce(t.notBefore, 0)")
        .bind(experimentId).to("id").run();
    moveExperiment(experimentId, state, ExperimentState.LAUNCHED,
        fromTask == null ? "rerun of the failed tasks" : "rerun from task '" + fromTask + "'");
    return reset;
  }

  private boolean finishCancelIfDone(String experimentId) {
    var inFlight = query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $inFlight RETURN count(t)""")
        .bind(experimentId).to("id").fetchAs(Long.class).one().orElse(0L);
    if (inFlight > 0) {
      return false;
    }
    moveExperiment(experimentId, ExperimentState.CANCELLING, ExperimentState.CANCELLED, null);
    return true;
  }

  /**
   * The dispatch messages of attempts, their contexts resolved with the outputs of the upstream
   * nodes they name, which are read in one statement for all of them.
   */
  private static List<Rows.Dispatched> dispatched(Neo4jClient.RunnableSpec query) {
    return List.copyOf(query.fetchAs(Rows.Dispatched.class).mappedBy((types, row) -> Rows.Dispatched.of(row)).all());
  }

  private List<TaskDispatch> dispatchesOf(List<Rows.Dispatched> rows) {
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
      for (var reference : Placeholders.find(context)) {
        if (reference instanceof Placeholders.TaskOutputReference out && !known.containsKey(out.taskKey())) {
          referenced.add(LiveDagPlan.taskId(row.experimentId(), out.taskKey()));
        }
      }
    }
    if (!referenced.isEmpty()) {
      query("""
              MATCH (x:TaskNode) WHERE x.id IN $ids AND x.isExecuted
              RETURN x.experimentId AS id, x.key AS key, x.outputs AS outputs""")
          .bind(List.copyOf(referenced)).to("ids")
          .fetchAs(Rows.Sink.class).mappedBy((types, row) -> Rows.Sink.of(row)).all()
          .forEach(x -> outputsByExperiment.computeIfAbsent(x.experimentId(), id -> new HashMap<>())
              .put(x.key(), Json.readMap(x.outputs())));
    }
    var dispatches = new ArrayList<TaskDispatch>(rows.size());
    for (int i = 0; i < rows.size(); i++) {
      var row = rows.get(i);
      var outputs = outputsByExperiment.getOrDefault(row.experimentId(), Map.of());
      @SuppressWarnings("unchecked")
      var resolved = (Map<String, Object>) Placeholders.resolveTaskOutputs(contexts.get(i), outputs);
      dispatches.add(new TaskDispatch(row.dispatchId(), row.experimentId(), row.id(), row.key(), row.taskType(),
          row.attempt(), new LinkedHashMap<>(resolved), Instant.ofEpochMilli(row.deadline())));
    }
    return dispatches;
  }

  private void moveExperiment(String experimentId, ExperimentState from, ExperimentState to, String reason) {
    from.moveTo(to);
    var parameters = new HashMap<String, Object>();
    parameters.put("id", experimentId);
    parameters.put("from", from.name());
    parameters.put("to", to.name());
    parameters.put("relaunch", to == ExperimentState.LAUNCHED);
    parameters.put("ends", to.isTerminal());
    parameters.put("reason", reason);
    parameters.put("at", utcNow());
    query("""
            MATCH (e:Experiment {id: $id}) WHERE e.state = $from
            SET e.state = $to,
                e.reason = CASE WHEN $relaunch THEN null ELSE coalesce($reason, e.reason) END,
                e.startedAt = CASE WHEN $relaunch THEN $at ELSE e.startedAt END,
                e.endedAt = CASE WHEN $ends THEN $at WHEN $relaunch THEN null ELSE e.endedAt END""")
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
