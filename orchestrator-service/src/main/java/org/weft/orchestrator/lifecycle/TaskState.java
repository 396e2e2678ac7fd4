package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/** The life of one task node; {@code isExecuted} is true exactly in {@link #SUCCEEDED}. */
public enum TaskState {
  WAITING,
  READY,
  DISPATCHED,
  RUNNING,
  SUCCEEDED,
  FAILED,
  CANCELLED;

  public Set<TaskState> next() {
    return switch (this) {
      case WAITING -> EnumSet.of(READY, CANCELLED);
      case READY -> EnumSet.of(DISPATCHED, WAITING, CANCELLED);
      // back to READY is a retry: a new attempt of the same node
      case DISPATCHED -> EnumSet.of(RUNNING, SUCCEEDED, FAILED, READY, CANCELLED);
      case RUNNING -> EnumSet.of(SUCCEEDED, FAILED, READY, CANCELLED);
      // only an explicit rerun moves a finished node, back to WAITING
      case SUCCEEDED, FAILED, CANCELLED -> EnumSet.of(WAITING);
    };
  }

  public boolean canMoveTo(TaskState target) {
    return next().contains(target);
  }

  public boolean isExecuted() {
    return this == SUCCEEDED;
  }

  public boolean isTerminal() {
    return this == SUCCEEDED || this == FAILED || this == CANCELLED;
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public TaskState moveTo(TaskState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("A task", name(), target.name());
    }
    return target;
  }
}
