package org.weft.orchestrator.engine;

import java.time.Duration;

/** A submission refused because this instance runs as many experiments as it may; nothing was written. */
public class OverloadedException extends RuntimeException {

  private final Duration retryAfter;

  OverloadedException(int running, Duration retryAfter) {
    super("This instance runs %d experiments, its limit (weft.engine.max-running); submit again later"
        .formatted(running));
    this.retryAfter = retryAfter;
  }

  public Duration retryAfter() {
    return retryAfter;
  }
}
