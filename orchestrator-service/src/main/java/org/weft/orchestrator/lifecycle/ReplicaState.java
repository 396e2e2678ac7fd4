package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of a straggler's replica: a second copy of a speculative node's attempt, started when the
 * attempt runs far longer than its siblings took. The first copy to succeed wins; the other is
 * stopped. A replica of a {@code monitoring} node needs a job of its own: it is
 * {@link #STARTING} while the job submission the node follows runs again for it, then
 * {@link #RUNNING} once a second monitor follows that job. A replica no longer wanted while its
 * job is being submitted is {@link #STOPPING}: its job is stopped as soon as it is followed.
 */
public enum ReplicaState {
  STARTING,
  RUNNING,
  STOPPING,
  WON,
  WASTED;

  public Set<ReplicaState> next() {
    return switch (this) {
      case STARTING -> EnumSet.of(RUNNING, STOPPING, WASTED);
      case RUNNING -> EnumSet.of(WON, WASTED);
      case STOPPING -> EnumSet.of(WASTED);
      case WON, WASTED -> EnumSet.noneOf(ReplicaState.class);
    };
  }

  /** Whether the replica may still win: the original attempt's end stops it ({@link #superseded}). */
  public boolean isActive() {
    return active().contains(this);
  }

  /** The states of a replica that may still win. */
  public static Set<ReplicaState> active() {
    return EnumSet.of(STARTING, RUNNING);
  }

  /**
   * What becomes of an active replica when the original attempt ends first, whether it succeeded,
   * failed or timed out: one running is stopped at once ({@link #WASTED}); one whose job is being
   * submitted is stopped once the job is followed ({@link #STOPPING}).
   */
  public ReplicaState superseded() {
    return moveTo(this == STARTING ? STOPPING : WASTED);
  }

  public boolean canMoveTo(ReplicaState target) {
    return next().contains(target);
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public ReplicaState moveTo(ReplicaState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("A replica", name(), target.name());
    }
    return target;
  }
}
