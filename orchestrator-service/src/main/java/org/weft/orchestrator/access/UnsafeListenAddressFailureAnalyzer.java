package org.weft.orchestrator.access;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says, instead of a stack trace, why the service did not start and what to set. */
class UnsafeListenAddressFailureAnalyzer extends AbstractFailureAnalyzer<UnsafeListenAddressException> {

  @Override
  protected FailureAnalysis analyze(Throwable root, UnsafeListenAddressException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Set weft.access.issuer-uri to your OpenID provider (see docs/security.md), or listen on 127.0.0.1 "
            + "(server.address), or, on a trusted private network only, set "
            + "weft.access.allow-unauthenticated-remote=true.", cause);
  }
}
