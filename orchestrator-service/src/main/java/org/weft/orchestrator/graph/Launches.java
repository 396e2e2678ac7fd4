package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.template.DagProperties;
import org.weft.task.api.TaskDispatch;

/**
 * Taking experiments in hand: creating and launching new ones, and resuming those whose owner died
 * from their last incomplete nodes.
 */
@Service
public class Launches {

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final Dispatching dispatching;
  private final ExperimentMoves moves;
  private final Gates gates;
  private final long redeliverMs;

  Launches(Cypher cypher, LiveDags liveDags, Dispatching dispatching, ExperimentMoves moves, Gates gates,
      DagProperties properties) {
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.dispatching = dispatching;
    this.moves = moves;
    this.gates = gates;
    this.redeliverMs = properties.defaults().redeliverAfter().toMillis();
  }

  /**
   * Takes an experiment in hand: launches a new one, or resumes one whose owner died from its last
   * incomplete nodes. Attempts in flight are sent again with their own dispatch id (a worker answers
   * a repeated id with its earlier result); nodes that are ready are dispatched.
   */
  public Effects recover(String experimentId, long nowMillis) {
    var state = moves.state(experimentId).orElse(null);
    if (state == null) {
      return Effects.of(Outcome.UNKNOWN);
    }
    if (state.isTerminal()) {
      return Effects.ended(Set.of(experimentId));
    }
    if (state == ExperimentState.CANCELLING) {
      // attempts still in flight end by their results or by the owner's timers
      return Effects.ended(moves.endedIfCancelDone(experimentId));
    }
    return recoverAll(List.of(experimentId), nowMillis).effects();
  }

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

  /**
   * The nodes of experiments {@code $ids} that can be dispatched now: retries whose backoff has
   * passed, and waiting nodes without a condition or an expansion whose predecessors are all done
   * (executed, skipped or expanded) and that are not orphaned; the others are left to
   * {@link Gates}. It goes from each experiment to its nodes: matched by their experiment id, the
   * planner answered the {@code OR} with a scan of every task node's index entry once the database
   * had some history.
   */
  static final String LAUNCH_READY = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      MATCH (e)-[:HAS_TASK]->(s:TaskNode)
      WHERE (s.state = $task.READY AND coalesce(s.notBefore, 0) <= $now)
         OR (s.state = $task.WAITING AND s.condition IS NULL AND s.expandFrom IS NULL
             AND NOT EXISTS { MATCH (p:TaskNode)-[:NEXT]->(s) WHERE
                 """ + Dispatching.unsettled("p") + """
                 }
             AND NOT (""" + Dispatching.ORPHANED + """
                 ))
      """;

  /**
   * Creates experiments {@code $experiments} ({@link LiveDags#CREATE_LIVE_DAGS}) already launched:
   * each moves to {@code EXECUTING}, its root nodes are dispatched ({@link Dispatching#DISPATCH}) and its
   * creation, launch and dispatches are recorded as one group of events: the path
   * {@code CREATED → LAUNCHED → EXECUTING} in one statement, where creating and then relaunching
   * would take seven statements and two event nodes per experiment.
   */
  static final String CREATE_AND_LAUNCH = LiveDags.CREATE_LIVE_DAGS + """
      CALL (nodes) {
        UNWIND nodes AS s
        WITH s WHERE s.state = $task.READY
      """ + Dispatching.DISPATCH + """
        RETURN collect(s {""" + Dispatching.DISPATCHED_FIELDS + """
          }) AS dispatched
      }
      SET e.state = $experiment.EXECUTING, e.startedAt = $at
      WITH e, dispatched,
           {events: [x.created, {type: 'experiment.state', state: $experiment.LAUNCHED, at: $at},
                     {type: 'experiment.state', state: $experiment.EXECUTING, at: $at}]
                  + """ + Dispatching.DISPATCHED_EVENTS + """
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
    var at = Cypher.utcNow();
    var rows = cypher.query(CREATE_AND_LAUNCH)
        .bindAll(Map.of("experiments", LiveDags.rows(dags, at), "now", nowMillis, "at", at, "redeliverMs", redeliverMs))
        .fetchAs(Rows.Created.class).mappedBy((types, row) -> Rows.Created.of(row)).all();
    liveDags.reserveAppended(rows.stream().map(Rows.Created::appended).toList(), at);
    var created = new LinkedHashSet<String>();
    rows.forEach(row -> created.add(row.appended().experimentId()));
    var dispatched = rows.stream().flatMap(row -> row.dispatched().stream()).toList();
    var dispatches = new ArrayList<>(dispatching.dispatchesOf(dispatched));
    var gated = new LinkedHashSet<String>();
    dags.stream().filter(dag -> Boolean.TRUE.equals(dag.experiment().get("gated")) && created.contains(dag.id()))
        .forEach(dag -> gated.add(dag.id()));
    var settled = gates.settle(gated, nowMillis);
    dispatches.addAll(settled.dispatches());
    var ended = new LinkedHashMap<String, ExperimentState>();
    settled.ended().forEach(id -> ended.put(id, moves.state(id).orElse(ExperimentState.EXECUTING)));
    return new Launched(created, dispatches, settled.controls(), ended);
  }

  /**
   * What {@link #createAndLaunch} did: the experiments it created, the dispatches and controls to
   * send, and the state of those that ended at once (every task skipped, or a condition that could
   * not be evaluated).
   */
  public record Launched(Set<String> created, List<TaskDispatch> dispatches, List<org.weft.task.api.TaskControl> controls,
      Map<String, ExperimentState> ended) {}

  /**
   * Takes many experiments in hand at once, as {@link #recover} does one, with a handful of
   * statements for all of those that are new, relaunched or executing; others go one by one.
   *
   * @return what to send, and the state each experiment is in now
   */
  public Recovery recoverAll(List<String> experimentIds, long nowMillis) {
    var states = new LinkedHashMap<String, ExperimentState>();
    cypher.query(ExperimentMoves.STATES)
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
      var at = Cypher.utcNow();
      cypher.query(START_EXECUTING)
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
      var dispatches = new ArrayList<>(dispatching.dispatchesOf(Dispatching.dispatched(cypher.query(IN_FLIGHT)
          .bindAll(Map.of("ids", together, "now", nowMillis, "redeliverMs", redeliverMs)))));
      dispatches.addAll(dispatching.markDispatched(cypher.query(LAUNCH_READY + Dispatching.MARK_DISPATCHED)
          .bindAll(Map.of("ids", together, "now", nowMillis, "at", at, "redeliverMs", redeliverMs)), events));
      var idle = new LinkedHashSet<>(together);
      dispatches.forEach(dispatch -> idle.remove(dispatch.experimentId()));
      var ended = moves.completeAllDone(idle, events);
      liveDags.appendEvents(events);
      ended.forEach(id -> states.put(id, ExperimentState.COMPLETED));
      effects.add(new Effects(Outcome.APPLIED, dispatches, List.of(), ended));
      var settled = gates.settle(new LinkedHashSet<>(together), nowMillis);
      settled.ended().forEach(id -> states.put(id, moves.state(id).orElse(ExperimentState.EXECUTING)));
      effects.add(settled);
    }
    for (var id : experimentIds) {
      if (!states.containsKey(id) || !together.contains(id)) {
        moves.state(id).ifPresent(state -> states.put(id, state));
      }
    }
    return new Recovery(states, Effects.merge(effects));
  }

  /** What {@link #recoverAll} did: the experiments' states now, and what to send. */
  public record Recovery(Map<String, ExperimentState> states, Effects effects) {}
}
