package org.weft.task.runtime;

import static org.assertj.core.api.Assertions.assertThatCode;

import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.config.SaslConfigs;
import org.junit.jupiter.api.Test;

class KafkaAccessCheckTest {

  @Test
  void aBrokerThatDoesNotAnswerIsOnlyLoggedSoTheStartGoesOn() throws Exception {
    int closed;
    try (var socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    var check = new KafkaAccessCheck(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, "localhost:" + closed,
        AdminClientConfig.SECURITY_PROTOCOL_CONFIG, "SASL_PLAINTEXT", SaslConfigs.SASL_MECHANISM, "PLAIN",
        SaslConfigs.SASL_JAAS_CONFIG,
        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\"u\" password=\"p\";",
        AdminClientConfig.RECONNECT_BACKOFF_MS_CONFIG, 50), Duration.ofMillis(500));

    assertThatCode(check::afterSingletonsInstantiated).doesNotThrowAnyException();
  }
}
