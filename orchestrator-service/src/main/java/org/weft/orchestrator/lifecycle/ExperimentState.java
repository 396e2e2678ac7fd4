package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/** The life of an experiment, and which moves are legal. */
public enum ExperimentState {
  CREATED,
  LAUNCHED,
  EXECUTING,
  COMPLETED,
  FAILED,
  CANCELLING,
  CANCELLED;

  public Set<ExperimentState> next() {
    return switch (this) {
      case CREATED -> EnumSet.of(LAUNCHED, CANCELLING, CANCELLED, FAILED);
      case LAUNCHED -> EnumSet.of(EXECUTING, COMPLETED, FAILED, CANCELLING);
      case EXECUTING -> EnumSet.of(COMPLETED, FAILED, CANCELLING);
      case CANCELLING -> EnumSet.of(CANCELLED, FAILED);
      // a rerun starts a finished experiment again
      case COMPLETED, FAILED -> EnumSet.of(LAUNCHED);
      case CANCELLED -> EnumSet.noneOf(ExperimentState.class);
    };
  }

  public boolean canMoveTo(ExperimentState target) {
    return next().contains(target);
  }

  public boolean isTerminal() {
    return this == COMPLETED || this == FAILED || this == CANCELLED;
  }

  /** The states of an experiment that has not ended: an instance owns and drives it. */
  public static Set<ExperimentState> active() {
    return EnumSet.complementOf(EnumSet.of(COMPLETED, FAILED, CANCELLED));
  }

  /** The states a submission may be taken in hand from and moved to {@link #EXECUTING}. */
  public static Set<ExperimentState> startable() {
    return EnumSet.of(CREATED, LAUNCHED);
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public ExperimentState moveTo(ExperimentState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("An experiment", name(), target.name());
    }
    return target;
  }
}
