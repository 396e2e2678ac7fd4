package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PortInUseFailureAnalyzerTest {

  @Test
  void explainsWhichPortAndWhichPropertyToChange() {
    var failure = new IllegalStateException("context failed",
        new PortInUseException("Kafka broker", 9092, "weft.embedded.kafka.port"));

    var analysis = new PortInUseFailureAnalyzer().analyze(failure);

    assertThat(analysis.getDescription())
        .isEqualTo("Port 9092 needed by the embedded Kafka broker is already in use: free it or set "
            + "weft.embedded.kafka.port to another port");
    assertThat(analysis.getAction()).contains("port 9092").contains("weft.embedded.kafka.port").contains("external Kafka broker");
  }
}
