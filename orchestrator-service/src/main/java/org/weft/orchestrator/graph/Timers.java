package org.weft.orchestrator.graph;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.template.DagProperties;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * What the owner's timers find due: attempts past their heartbeat timeout or time limit, attempts
 * queued too long, retries whose backoff has passed, speculative attempts that straggle. Each statement reads only the nodes whose
 * {@code wakeAt} has come.
 */
@Service
public class Timers {

  private final Cypher cypher;
  private final LiveDags liveDags;
  private final Dispatching dispatching;
  private final Replicas replicas;
  private final long redeliverMs;

  Timers(Cypher cypher, LiveDags liveDags, Dispatching dispatching, Replicas replicas, DagProperties properties) {
    this.cypher = cypher;
    this.liveDags = liveDags;
    this.dispatching = dispatching;
    this.replicas = replicas;
    this.redeliverMs = properties.defaults().redeliverAfter().toMillis();
  }

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
   * {@link Dispatching#MARK_DISPATCHED}. Like {@link #EXPIRED} it reads only the nodes whose {@code wakeAt} has
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
   * Attempts of owned experiments that went silent past their heartbeat timeout or ran past their
   * time limit; each becomes a failed, retryable attempt, and its worker is told to stop it.
   */
  public List<TaskResult> expired(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return List.of();
    }
    return cypher.query(EXPIRED)
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
    return dispatching.dispatchesOf(Dispatching.dispatched(cypher.query(LONG_QUEUED)
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis, "redeliverMs", redeliverMs))));
  }

  /** Replicas of the speculative attempts of owned experiments that straggle behind their siblings. */
  public Effects stragglers(Set<String> experimentIds, long nowMillis) {
    return replicas.stragglers(experimentIds, nowMillis);
  }

  /** Retries of owned experiments whose backoff has passed. */
  public Effects dueRetries(Set<String> experimentIds, long nowMillis) {
    if (experimentIds.isEmpty()) {
      return Effects.of(Outcome.APPLIED);
    }
    var events = new ArrayList<LiveDags.PendingEvent>();
    var dispatches = dispatching.markDispatched(cypher.query(DUE_RETRIES + Dispatching.MARK_DISPATCHED)
        .bindAll(Map.of("ids", List.copyOf(experimentIds), "now", nowMillis, "at", Cypher.utcNow(), "redeliverMs", redeliverMs)), events);
    liveDags.appendEvents(events);
    return new Effects(Outcome.APPLIED, dispatches, List.of(), Set.of());
  }
}
