package org.weft.task.runtime;

import org.apache.kafka.common.errors.AuthenticationException;

/** The brokers refused this process's credentials (SASL) or it refused theirs (TLS). */
class KafkaAccessRefusedException extends RuntimeException {

  private final String bootstrapServers;

  KafkaAccessRefusedException(String bootstrapServers, AuthenticationException cause) {
    super("Kafka at %s refused to authenticate Weft: %s".formatted(bootstrapServers, cause.getMessage()), cause);
    this.bootstrapServers = bootstrapServers;
  }

  String bootstrapServers() {
    return bootstrapServers;
  }
}
