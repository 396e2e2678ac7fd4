package org.weft.task.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;
import org.springframework.kafka.core.DefaultKafkaProducerFactory;

class WorkerProducerSettingsTest {

  @Test
  void resultsLeaveWithoutLingeringUnlessTheApplicationSaysOtherwise() {
    var unconfigured = new DefaultKafkaProducerFactory<String, String>(Map.of());
    var configured = new DefaultKafkaProducerFactory<String, String>(Map.of(ProducerConfig.LINGER_MS_CONFIG, 20));
    var customizer = new WorkerAutoConfiguration().workerProducerSendsAtOnce();

    customizer.customize(unconfigured);
    customizer.customize(configured);

    assertThat(unconfigured.getConfigurationProperties()).containsEntry(ProducerConfig.LINGER_MS_CONFIG, 0);
    assertThat(configured.getConfigurationProperties()).containsEntry(ProducerConfig.LINGER_MS_CONFIG, 20);
  }
}
