package org.weft.orchestrator.graph;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.template.Json;
import org.weft.task.api.TaskControl;

/**
 * An experiment's own moves: reading its state, completing those with nothing left to execute,
 * ending a cancel, and moving it with its event recorded. Each move is checked against
 * {@link ExperimentState} before it is written.
 */
@Service
public class ExperimentMoves {

  private final Cypher cypher;
  private final LiveDags liveDags;

  ExperimentMoves(Cypher cypher, LiveDags liveDags) {
    this.cypher = cypher;
    this.liveDags = liveDags;
  }

  /** Experiments that have not ended, oldest first, with their states. */
  public Map<String, ExperimentState> active() {
    var active = new LinkedHashMap<String, ExperimentState>();
    cypher.query("""
            MATCH (e:Experiment) WHERE e.state IN $active
            RETURN e.id AS id, e.state AS state ORDER BY e.createdAt""")
        .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "state")).all()
        .forEach(row -> active.put(row.id(), row.state()));
    return active;
  }

  public Optional<ExperimentState> state(String experimentId) {
    return cypher.query("MATCH (e:Experiment {id: $id}) RETURN e.state AS state")
        .bind(experimentId).to("id").fetchAs(String.class).one().map(ExperimentState::valueOf);
  }

  /** The states of experiments {@code $ids}. */
  static final String STATES = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      RETURN e.id AS id, e.state AS state""";

  /** Completes those of the experiments {@code $rows} (id, outputs) still executing. */
  static final String COMPLETE = """
      UNWIND $rows AS r
      MATCH (e:Experiment {id: r.id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state = $experiment.EXECUTING
      WITH e, r, e.state AS from
      SET e.state = $experiment.COMPLETED, e.outputs = r.outputs, e.endedAt = $at
      // its files are collected after the commit (DataCollection), or after a restart should it come first
      FOREACH (keep IN CASE WHEN e.retain IS NULL THEN [] ELSE [e.retain] END | SET e:Collecting)
      RETURN e.id AS id, from""";

  /**
   * The sinks, with their outputs, of those executing experiments {@code $ids} that have no node
   * left to execute. The hint keeps the planner from scanning every experiment per id.
   */
  static final String DONE_SINKS = """
      UNWIND $ids AS id
      MATCH (e:Experiment {id: id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.state = $experiment.EXECUTING
        AND NOT EXISTS { MATCH (e)-[:HAS_TASK]->(t:TaskNode) WHERE
            """ + Dispatching.unsettled("t") + """
            }
      // an expanded node is no sink: its members are
      MATCH (e)-[:HAS_TASK]->(t:TaskNode) WHERE NOT (t)-[:NEXT]->() AND t.state <> $task.EXPANDED
      RETURN e.id AS id, t.key AS key, t.outputs AS outputs ORDER BY id, t.position""";

  /**
   * Completes, with two statements for all of them, the executing experiments among
   * {@code candidates} that have no node left to execute; their outputs are those of their sinks.
   */
  Set<String> completeAllDone(Set<String> candidates, List<LiveDags.PendingEvent> events) {
    var ended = new LinkedHashSet<String>();
    if (candidates.isEmpty()) {
      return ended;
    }
    var outputs = new LinkedHashMap<String, Map<String, Object>>();
    cypher.query(DONE_SINKS)
        .bind(List.copyOf(candidates)).to("ids")
        .fetchAs(Rows.Sink.class).mappedBy((types, row) -> Rows.Sink.of(row)).all()
        .forEach(sink -> outputs.computeIfAbsent(sink.experimentId(), id -> new LinkedHashMap<>())
            .put(sink.key(), Json.readMap(sink.outputs())));
    if (outputs.isEmpty()) {
      return ended;
    }
    var rows = outputs.entrySet().stream()
        .map(entry -> Map.<String, Object>of("id", entry.getKey(), "outputs", Json.write(entry.getValue()))).toList();
    cypher.query(COMPLETE)
        .bindAll(Map.of("rows", rows, "at", Cypher.utcNow()))
        .fetchAs(Rows.ExperimentAt.class).mappedBy((types, row) -> Rows.ExperimentAt.of(row, "from")).all()
        .forEach(row -> {
          var id = row.id();
          row.state().moveTo(ExperimentState.COMPLETED);
          events.add(new LiveDags.PendingEvent(id, "experiment.state", null, ExperimentState.COMPLETED.name(), null));
          ended.add(id);
        });
    return ended;
  }

  boolean finishCancelIfDone(String experimentId) {
    var inFlight = cypher.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $inFlight RETURN count(t)""")
        .bind(experimentId).to("id").fetchAs(Long.class).one().orElse(0L);
    if (inFlight > 0) {
      return false;
    }
    moveExperiment(experimentId, ExperimentState.CANCELLING, ExperimentState.CANCELLED, null);
    return true;
  }

  Set<String> endedIfCancelDone(String experimentId) {
    return finishCancelIfDone(experimentId) ? Set.of(experimentId) : Set.of();
  }

  /**
   * Fails an experiment whose node failed for good: nothing of it is retried or timed out any more
   * (its nodes leave the ticks' index), and the returned control stops the attempts still running
   * elsewhere in it, which are of no use any more.
   */
  TaskControl failExperiment(String experimentId, ExperimentState from, String reason) {
    moveExperiment(experimentId, from, ExperimentState.FAILED, reason);
    cypher.query("MATCH (t:TaskNode {experimentId: $id}) WHERE t.wakeAt IS NOT NULL SET t.wakeAt = null")
        .bind(experimentId).to("id").run();
    return TaskControl.cancelExperiment(experimentId, TaskControl.Reason.EXPERIMENT_FAILED);
  }

  void moveExperiment(String experimentId, ExperimentState from, ExperimentState to, String reason) {
    from.moveTo(to);
    var parameters = new HashMap<String, Object>();
    parameters.put("id", experimentId);
    parameters.put("from", from.name());
    parameters.put("to", to.name());
    parameters.put("relaunch", to == ExperimentState.LAUNCHED);
    parameters.put("ends", to.isTerminal());
    parameters.put("reason", reason);
    parameters.put("at", Cypher.utcNow());
    cypher.query("""
            MATCH (e:Experiment {id: $id}) WHERE e.state = $from
            SET e.state = $to,
                e.reason = CASE WHEN $relaunch THEN null ELSE coalesce($reason, e.reason) END,
                e.startedAt = CASE WHEN $relaunch THEN $at ELSE e.startedAt END,
                e.endedAt = CASE WHEN $ends THEN $at WHEN $relaunch THEN null ELSE e.endedAt END""")
        .bindAll(parameters).run();
    liveDags.appendEvent(experimentId, "experiment.state", null, to.name(), reason);
  }
}
