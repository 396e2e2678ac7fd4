package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * Whether a data object's file is there. A file a task reports, as written or read, is
 * {@link #AVAILABLE}; one found missing or changed is {@link #LOST} until the task that wrote it
 * has run again and reported it anew; one deleted on purpose once nothing needs it is
 * {@link #COLLECTED}, and is re-created like a lost one should something need it again. The object
 * stays in the graph in every state, so its lineage does.
 */
public enum DataState {
  AVAILABLE,
  LOST,
  COLLECTED;

  public Set<DataState> next() {
    return switch (this) {
      case AVAILABLE -> EnumSet.of(LOST, COLLECTED);
      case LOST -> EnumSet.of(AVAILABLE);
      case COLLECTED -> EnumSet.of(AVAILABLE, LOST);
    };
  }

  public boolean canMoveTo(DataState target) {
    return next().contains(target);
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public DataState moveTo(DataState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("A data object", name(), target.name());
    }
    return target;
  }
}
