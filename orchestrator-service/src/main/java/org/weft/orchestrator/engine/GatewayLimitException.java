package org.weft.orchestrator.engine;

import java.time.Duration;

/** A gateway's submission refused by its limits ({@link LimitProperties}); nothing was written. */
public class GatewayLimitException extends RuntimeException {

  private final Duration retryAfter;

  GatewayLimitException(String message, Duration retryAfter) {
    super(message);
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
