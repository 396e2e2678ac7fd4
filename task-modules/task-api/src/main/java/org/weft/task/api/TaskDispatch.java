package org.weft.task.api;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * One attempt of one task node, sent to {@code weft.tasks.{taskType}} keyed by experiment id.
 *
 * @param dispatchId   unique per attempt; a worker runs a dispatch id at most once while alive
 * @param experimentId the experiment the node belongs to
 * @param taskId       the live DAG node
 * @param taskKey      the node's key within its template
 * @param taskType     names the task microservice that runs it
 * @param attempt      1 for the first attempt
 * @param context      the full task context: resolved parameters, command, environment, resources
 * @param deadline     when the orchestrator gives up on this attempt
 *
 * <p>A straggler's replica is a second dispatch of the same attempt, with an id of its own and a
 * {@code replica} mark in its context ({@link #runsAsReplica()}); it goes to a partition of another
 * worker of the group than the one running the attempt it copies, where there is one.
 */
public record TaskDispatch(
    String dispatchId,
    String experimentId,
    String taskId,
    String taskKey,
    String taskType,
    int attempt,
    Map<String, Object> context,
    Instant deadline) {

  public TaskDispatch {
    Objects.requireNonNull(dispatchId, "dispatchId");
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(taskType, "taskType");
    if (attempt < 1) {
      throw new IllegalArgumentException("attempt must be at least 1: " + attempt);
    }
    context = context == null ? Map.of() : Map.copyOf(context);
  }

  /**
   * The context field that marks a replica: {@code {copies: <dispatchId>, avoidWorker: <workerId>}},
   * the dispatch it copies and the worker that runs that one, which the replica is kept away from
   * where the task type has another.
   */
  public static final String REPLICA = "replica";

  /** The field of a replica's mark naming the worker it is kept away from. */
  public static final String AVOID_WORKER = "avoidWorker";

  /**
   * Whether this dispatch is a straggler's replica: a second copy of an attempt already running.
   * Not named as a getter, so that it never becomes a field of the message.
   */
  public boolean runsAsReplica() {
    return context.get(REPLICA) instanceof Map<?, ?>;
  }

  /** The worker a replica is to be kept away from, or null. */
  public String workerToAvoid() {
    return context.get(REPLICA) instanceof Map<?, ?> mark && mark.get(AVOID_WORKER) instanceof String worker
        ? worker : null;
  }
}
