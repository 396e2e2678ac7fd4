package org.weft.embedded;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Turns a busy port into a short explanation instead of a stack trace at startup. */
class PortInUseFailureAnalyzer extends AbstractFailureAnalyzer<PortInUseException> {

  @Override
  protected FailureAnalysis analyze(Throwable rootFailure, PortInUseException cause) {
    return new FailureAnalysis(
        cause.getMessage(),
        "Stop the process listening on port %d, or set %s to a free port (0 picks one), or point Weft at an external %s."
            .formatted(cause.port(), cause.property(), cause.server()),
        cause);
  }
}
