package org.weft.orchestrator.lifecycle;

import org.weft.task.api.TaskResult;

/**
 * What a worker's result, or the orchestrator's timeout of an attempt, does to its task node and
 * its experiment. Pure: decided from the node as read under its write lock, and carried out by the
 * graph store. The statement that applies a batch of heartbeats and successes at once follows the
 * same rules for the results it takes, and leaves every other result to these.
 */
public final class ResultRules {

  private ResultRules() {}

  /**
   * The node a result is about, read under its write lock.
   *
   * @param attempt     the node's current attempt, the one whose results count
   * @param maxAttempts attempts allowed before a retryable failure ends the node
   */
  public record NodeSnapshot(String experimentId, String key, TaskState state, String dispatchId, int attempt,
      int maxAttempts, ExperimentState experimentState) {}

  /** What follows for the experiment once the node has moved. */
  public enum Then {
    /** nothing more */
    NOTHING,
    /** its successors whose predecessors are all executed are dispatched; if none, the experiment may be done */
    DISPATCH_READY_SUCCESSORS,
    /** the experiment is cancelling: it ends once no attempt is in flight */
    FINISH_CANCEL_IF_DONE,
    /** the experiment fails, and what still runs in it is stopped */
    FAIL_EXPERIMENT
  }

  /** What to do with one result. */
  public sealed interface Decision {}

  /** Nothing changes; the outcome says why. */
  public record Ignore(Outcome outcome) implements Decision {}

  /** The attempt is alive: its deadlines move; {@code started} when it is the attempt's first sign of life. */
  public record Heartbeat(boolean started) implements Decision {}

  /** The node succeeded: executed, outputs recorded. */
  public record Succeed(Then then) implements Decision {}

  /** The attempt failed and another is allowed: the node waits out its backoff, ready. */
  public record Retry(TaskResult.Error error) implements Decision {}

  /**
   * The attempt did not run: inputs it was to read were lost. Not the task's failure: the node waits
   * again, and what wrote the files is re-run to re-create them (or, when that cannot be, the node
   * fails naming them).
   */
  public record Reconstruct(TaskResult.Error error) implements Decision {}

  /** The node ends unsuccessfully: {@code FAILED}, or {@code CANCELLED} in a cancelling experiment. */
  public record End(TaskState state, TaskResult.Error error, Then then) implements Decision {}

  /**
   * Decides what a result does.
   *
   * @param node the node as read, or null when there is no such node
   * @throws IllegalTransitionException never for a result that passes the checks: every move it
   *                                    decides is checked against the state machine
   */
  public static Decision decide(NodeSnapshot node, TaskResult result) {
    if (node == null || !node.experimentId().equals(result.experimentId())) {
      return new Ignore(Outcome.UNKNOWN);
    }
    if (!result.dispatchId().equals(node.dispatchId()) || node.attempt() != result.attempt()) {
      return new Ignore(Outcome.STALE);
    }
    if (!node.state().isInFlight()) {
      return new Ignore(Outcome.DUPLICATE);
    }
    var experiment = node.experimentState();
    return switch (result.status()) {
      case RUNNING -> {
        boolean started = node.state() == TaskState.DISPATCHED;
        if (started) {
          node.state().moveTo(TaskState.RUNNING);
        }
        yield new Heartbeat(started);
      }
      case SUCCEEDED -> {
        node.state().moveTo(TaskState.SUCCEEDED);
        yield new Succeed(switch (experiment) {
          case EXECUTING -> Then.DISPATCH_READY_SUCCESSORS;
          case CANCELLING -> Then.FINISH_CANCEL_IF_DONE;
          default -> Then.NOTHING;
        });
      }
      // a failed result always says why: TaskResult refuses one without an error
      case FAILED -> failed(node, result.error());
    };
  }

  private static Decision failed(NodeSnapshot node, TaskResult.Error error) {
    var experiment = node.experimentState();
    if (error.inputsLost() && experiment == ExperimentState.EXECUTING) {
      node.state().moveTo(TaskState.WAITING);
      return new Reconstruct(error);
    }
    if (error.retryable() && node.attempt() < node.maxAttempts() && experiment == ExperimentState.EXECUTING) {
      node.state().moveTo(TaskState.READY);
      return new Retry(error);
    }
    var end = experiment == ExperimentState.CANCELLING ? TaskState.CANCELLED : TaskState.FAILED;
    node.state().moveTo(end);
    var then = switch (experiment) {
      case EXECUTING -> Then.FAIL_EXPERIMENT;
      case CANCELLING -> Then.FINISH_CANCEL_IF_DONE;
      default -> Then.NOTHING;
    };
    if (then == Then.FAIL_EXPERIMENT) {
      experiment.moveTo(ExperimentState.FAILED);
    }
    return new End(end, error, then);
  }
}
