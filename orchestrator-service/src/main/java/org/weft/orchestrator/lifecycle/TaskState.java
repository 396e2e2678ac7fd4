package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The life of one task node; {@code isExecuted} is true exactly in {@link #SUCCEEDED}. A node
 * {@link #SKIPPED} (its condition was false, or every node it depends on was skipped) is done
 * without being executed: what depends on it does not wait for it. So is a node
 * {@link #EXPANDED}: a task repeated over an upstream task's output, which stands for its members
 * once they exist (what depends on it waits for them, not for it).
 */
public enum TaskState {
  WAITING,
  READY,
  DISPATCHED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED,
  SKIPPED,
  EXPANDED;

  public Set<TaskState> next() {
    return switch (this) {
      // straight to DISPATCHED when its predecessors are done: it is dispatched in the transaction
      // that finds it ready (READY holds roots at creation and retries waiting for their backoff);
      // to FAILED only when its condition or its expansion cannot be evaluated
      case WAITING -> EnumSet.of(READY, DISPATCHED, CANCELLED, SKIPPED, EXPANDED, FAILED);
      case READY -> EnumSet.of(DISPATCHED, WAITING, CANCELLED);
      // back to READY is a retry: a new attempt of the same node; back to WAITING, a rerun of an
      // ended experiment abandoning an attempt still in flight (its result then counts as stale)
      case DISPATCHED -> EnumSet.of(RUNNING, SUCCEEDED, FAILED, READY, CANCELLED, WAITING);
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, READY, CANCELLED, WAITING);
      // only an explicit rerun moves a finished node, back to WAITING
      case SUCCEEDED, FAILED, CANCELLED, SKIPPED, EXPANDED -> EnumSet.of(WAITING);
    };
  }

  /**
   * The label a task node in this state carries beside {@code TaskNode} ({@code FAILED} →
   * {@code Failed}), so that Neo4j Browser, which styles nodes by label, can colour it by state.
   */
  public String label() {
    return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
  }

  public boolean canMoveTo(TaskState target) {
    return next().contains(target);
  }

  public boolean isExecuted() {
    return this == SUCCEEDED;
  }

  /** An attempt is out with a worker: results and timeouts of the current attempt apply to it. */
  public boolean isInFlight() {
    return this == DISPATCHED || this == RUNNING;
  }

  /** The states of a node a cancel ends at once: it has not started. */
  public static Set<TaskState> notStarted() {
    return EnumSet.of(WAITING, READY);
  }

  /** The states of a node with an attempt out with a worker. */
  public static Set<TaskState> inFlight() {
    return EnumSet.of(DISPATCHED, RUNNING);
  }

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED || this == SKIPPED || this == EXPANDED;
  }

  /** Done, as what depends on the node sees it: executed, skipped or expanded. */
  public boolean isSettled() {
    return this == SUCCEEDED || passed().contains(this);
  }

  /** The states of a node that is done without having been executed. */
  public static Set<TaskState> passed() {
    return EnumSet.of(SKIPPED, EXPANDED);
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public TaskState moveTo(TaskState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("A task", name(), target.name());
    }
    return target;
  }
}
