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
   * @param replicaId   the dispatch id of a replica of the node's attempt, or of the job submission
   *                    run again for another node's replica ({@code forReplica}); null when none
   * @param replica     that replica's state (the other node's, for {@code forReplica})
   * @param forReplica  whether the node is the job submission a replica of the monitoring node after
   *                    it was given a job through
   */
  public record NodeSnapshot(String experimentId, String key, TaskState state, String dispatchId, int attempt,
      int maxAttempts, ExperimentState experimentState, String replicaId, ReplicaState replica, boolean forReplica) {

    public NodeSnapshot(String experimentId, String key, TaskState state, String dispatchId, int attempt,
        int maxAttempts, ExperimentState experimentState) {
      this(experimentId, key, state, dispatchId, attempt, maxAttempts, experimentState, null, null, false);
    }

    /** The replica the original attempt's end stops, if one may still win. */
    public boolean hasActiveReplica() {
      return !forReplica && replica != null && replica.isActive();
    }
  }

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
   * The job submission run again for a straggler's replica succeeded: the replica's monitor is
   * dispatched to follow the new job, to win if it may ({@code wanted}), or else only to stop it.
   */
  public record ReplicaSubmitted(boolean wanted) implements Decision {}

  /**
   * A replica is alive: while it may win, the node's deadlines move as for the original attempt (the
   * node lives while either copy does); one that may no longer win is told to stop ({@code stop}).
   */
  public record ReplicaAlive(boolean stop) implements Decision {}

  /** The replica succeeded first: the node succeeds with its outputs; the original attempt is stopped. */
  public record ReplicaWins(Then then) implements Decision {}

  /** The replica failed, or ended after it was stopped: it is wasted, and the original goes on alone. */
  public record ReplicaWasted(String why) implements Decision {}

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
    if (node.replicaId() != null && node.replicaId().equals(result.dispatchId())) {
      return node.forReplica() ? replicaSubmission(node.replica(), result) : replica(node, result);
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

  private static Decision replicaSubmission(ReplicaState replica, TaskResult result) {
    if (replica != ReplicaState.STARTING && replica != ReplicaState.STOPPING) {
      return new Ignore(Outcome.DUPLICATE);
    }
    return switch (result.status()) {
      case RUNNING -> new Ignore(Outcome.APPLIED);
      case SUCCEEDED -> {
        boolean wanted = replica == ReplicaState.STARTING;
        if (wanted) {
          replica.moveTo(ReplicaState.RUNNING);
        }
        yield new ReplicaSubmitted(wanted);
      }
      case FAILED -> {
        replica.moveTo(ReplicaState.WASTED);
        yield new ReplicaWasted("its job could not be submitted: " + result.error().message());
      }
    };
  }

  private static Decision replica(NodeSnapshot node, TaskResult result) {
    var replica = node.replica();
    if (replica != ReplicaState.RUNNING && replica != ReplicaState.STOPPING) {
      return new Ignore(Outcome.DUPLICATE);
    }
    boolean mayWin = replica == ReplicaState.RUNNING && node.state().isInFlight()
        && node.experimentState() == ExperimentState.EXECUTING;
    return switch (result.status()) {
      case RUNNING -> new ReplicaAlive(!mayWin);
      case SUCCEEDED -> {
        if (!mayWin) {
          replica.moveTo(ReplicaState.WASTED);
          yield new ReplicaWasted("it finished after it was stopped");
        }
        node.state().moveTo(TaskState.SUCCEEDED);
        replica.moveTo(ReplicaState.WON);
        yield new ReplicaWins(Then.DISPATCH_READY_SUCCESSORS);
      }
      case FAILED -> {
        replica.moveTo(ReplicaState.WASTED);
        yield new ReplicaWasted("it failed: " + result.error().message());
      }
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
