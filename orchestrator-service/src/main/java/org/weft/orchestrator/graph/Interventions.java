package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.IllegalTransitionException;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.RerunRules;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.task.api.TaskControl;

/** What users ask of a running or ended experiment: cancel it, or run part of it again. */
@Service
public class Interventions {

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final ExperimentMoves moves;

  Interventions(Cypher cypher, LiveDags liveDags, ExperimentMoves moves) {
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.moves = moves;
  }

  /**
   * Stops an experiment: nothing new is dispatched, nodes not yet started are cancelled, workers are
   * told to stop the attempts in flight, which get {@code grace} to stop before they count as timed
   * out. The experiment is {@code CANCELLED} once none is in flight.
   *
   * @throws IllegalTransitionException when the experiment has already ended (or is cancelling)
   */
  public Effects cancel(String experimentId, long nowMillis, long graceMillis) {
    var state = moves.state(experimentId).orElseThrow();
    moves.moveExperiment(experimentId, state, ExperimentState.CANCELLING, "cancelled on request");
    var cancelled = cypher.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $notStarted
            SET t.state = $task.CANCELLED, t.endedAt = $at, t.wakeAt = null
            """ + States.labelled("t") + """
            RETURN t.key AS key ORDER BY t.position""")
        .bindAll(Map.of("id", experimentId, "at", Cypher.utcNow())).fetchAs(String.class).all();
    liveDags.appendEvents(cancelled.stream().map(key -> new LiveDags.PendingEvent(experimentId, "task.state", key,
        TaskState.CANCELLED.name(), "cancelled before it started")).toList());
    cypher.query("""
            MATCH (t:TaskNode {experimentId: $id}) WHERE t.state IN $inFlight
            SET t.timeLimitDeadline = CASE WHEN t.timeLimitDeadline < $deadline THEN t.timeLimitDeadline ELSE $deadline END,
                t.wakeAt = CASE WHEN t.wakeAt < $deadline THEN t.wakeAt ELSE $deadline END""")
        .bindAll(Map.of("id", experimentId, "deadline", nowMillis + graceMillis)).run();
    return new Effects(Outcome.APPLIED, List.of(),
        List.of(TaskControl.cancelExperiment(experimentId, TaskControl.Reason.EXPERIMENT_CANCELLED)),
        moves.endedIfCancelDone(experimentId));
  }

  /**
   * Prepares a finished experiment to run again: the node {@code fromTask}, or every failed or
   * cancelled node, and everything downstream of it go back to waiting with their outputs cleared;
   * executed nodes upstream keep theirs and are never run again. The members of a task repeated
   * over an upstream output that is reset are removed: it is expanded again. The experiment is then
   * launched.
   *
   * @return the keys of the nodes reset
   * @throws IllegalTransitionException when the experiment is still running, or is completed and no
   *                                    {@code fromTask} says what to run again
   * @throws InvalidRerunException      when {@code fromTask} is not a task of the experiment
   */
  public List<String> prepareRerun(String experimentId, String fromTask) {
    var state = moves.state(experimentId).orElseThrow();
    var nodes = cypher.query("""
            MATCH (t:TaskNode {experimentId: $id})
            RETURN t.key AS key, coalesce(t.templateKey, t.key) AS templateKey, t.state AS state ORDER BY t.position""")
        .bind(experimentId).to("id")
        .fetchAs(RerunRules.Node.class)
        .mappedBy((types, row) -> new RerunRules.Node(row.get("key").asString(), row.get("templateKey").asString(),
            TaskState.valueOf(row.get("state").asString())))
        .all().stream().toList();
    var edges = cypher.query("""
            MATCH (a:TaskNode {experimentId: $id})-[:NEXT]->(b:TaskNode)
            RETURN a.key AS from, b.key AS to""")
        .bind(experimentId).to("id")
        .fetchAs(RerunRules.Edge.class)
        .mappedBy((types, row) -> new RerunRules.Edge(row.get("from").asString(), row.get("to").asString()))
        .all().stream().toList();
    var reset = new ArrayList<>(RerunRules.reset(state, fromTask, nodes, edges));
    // a task repeated over an upstream output is expanded again, from that output as it is then
    var dropped = cypher.query("""
            UNWIND $ids AS id
            MATCH (p:TaskNode {id: id}) USING INDEX SEEK p:TaskNode(id)
            WHERE p.state = $task.EXPANDED
            MATCH (p)-[:HAS_MEMBER]->(m:TaskNode)
            WITH m, m.key AS key
            DETACH DELETE m
            RETURN key""")
        .bind(reset.stream().map(key -> LiveDagPlan.taskId(experimentId, key)).toList()).to("ids")
        .fetchAs(String.class).all();
    reset.removeAll(new HashSet<>(dropped));
    cypher.query("""
            UNWIND $ids AS id
            MATCH (t:TaskNode {id: id})
            SET t.state = $task.WAITING, t.isExecuted = false, t.attempt = 0, t.outputs = null, t.error = null,
                t.tolerated = null,
                t.dispatchId = null, t.workerId = null, t.startedAt = null, t.endedAt = null, t.notBefore = null,
                t.wakeAt = null
            """ + States.labelled("t"))
        .bind(reset.stream().map(key -> LiveDagPlan.taskId(experimentId, key)).toList()).to("ids").run();
    liveDags.appendEvents(reset.stream().map(key -> new LiveDags.PendingEvent(experimentId, "task.state", key,
        TaskState.WAITING.name(), "reset by rerun")).toList());
    cypher.query("MATCH (e:Experiment {id: $id}) SET e.outputs = null").bind(experimentId).to("id").run();
    // retries left waiting when it failed are due again at the end of their backoff
    cypher.query("MATCH (t:TaskNode {experimentId: $id}) WHERE t.state = $task.READY SET t.wakeAt = coalesce(t.notBefore, 0)")
        .bind(experimentId).to("id").run();
    moves.moveExperiment(experimentId, state, ExperimentState.LAUNCHED,
        fromTask == null ? "rerun of the failed tasks" : "rerun from task '" + fromTask + "'");
    return reset;
  }
}
