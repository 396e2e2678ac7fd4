package org.weft.task.runtime;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/** Says, instead of a stack trace, that Kafka refused the credentials and which settings carry them. */
class KafkaAccessFailureAnalyzer extends AbstractFailureAnalyzer<KafkaAccessRefusedException> {

  @Override
  protected FailureAnalysis analyze(Throwable root, KafkaAccessRefusedException cause) {
    return new FailureAnalysis(cause.getMessage(),
        "Check spring.kafka.security.protocol, spring.kafka.properties.sasl.mechanism and "
            + "spring.kafka.properties.sasl.jaas.config (and spring.kafka.ssl.* for a private CA) against the "
            + "listener of " + cause.bootstrapServers() + "; docs/security.md shows a complete set.", cause);
  }
}
