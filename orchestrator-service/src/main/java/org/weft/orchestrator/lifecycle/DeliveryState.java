package org.weft.orchestrator.lifecycle;

import java.util.EnumSet;
import java.util.Set;

/**
 * The life of one webhook delivery: one event for one endpoint. It waits {@link #PENDING} until the
 * endpoint answers 2xx ({@link #DELIVERED}) or the delivery is older than the configured maximum
 * age ({@link #FAILED}); a failed attempt keeps it pending with its next attempt later. Only a
 * redelivery asked for over the API moves an ended delivery, back to pending, with the same id.
 */
public enum DeliveryState {
  PENDING,
  DELIVERED,
  FAILED;

  public Set<DeliveryState> next() {
    return switch (this) {
      case PENDING -> EnumSet.of(PENDING, DELIVERED, FAILED);
      case DELIVERED, FAILED -> EnumSet.of(PENDING);
    };
  }

  public boolean canMoveTo(DeliveryState target) {
    return next().contains(target);
  }

  /** @throws IllegalTransitionException when {@code target} is not a legal next state */
  public DeliveryState moveTo(DeliveryState target) {
    if (!canMoveTo(target)) {
      throw new IllegalTransitionException("A webhook delivery", name(), target.name());
    }
    return target;
  }
}
