package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.model.StoredEvent;

class CloudEventTest {

  @Test
  void aTaskStateChangeIsACloudEventAboutTheTask() {
    var event = new StoredEvent("e-1", 7, Instant.parse("2026-11-22T10:00:00Z"), "task.state", "run", "SUCCEEDED",
        "attempt 1 on worker w-1");

    var cloud = EventSender.cloudEvent(event, "seagrid");

    assertThat(cloud).containsEntry("specversion", "1.0").containsEntry("id", "e-1/7")
        .containsEntry("type", "org.weft.task.state").containsEntry("subject", "e-1/run")
        .containsEntry("source", "/weft/experiments/e-1").containsEntry("time", "2026-11-22T10:00:00Z")
        .containsEntry("datacontenttype", "application/json").containsEntry("gatewayid", "seagrid");
    assertThat((Map<String, Object>) cloud.get("data")).containsEntry("state", "SUCCEEDED").containsEntry("seq", 7L);
  }

  @Test
  void anExperimentStateChangeHasTheExperimentAsSubject() {
    var event = new StoredEvent("e-1", 1, Instant.parse("2026-11-22T10:00:00Z"), "experiment.state", null, "CREATED",
        null);

    var cloud = EventSender.cloudEvent(event, null);

    assertThat(cloud).containsEntry("type", "org.weft.experiment.state").containsEntry("subject", "e-1")
        .doesNotContainKey("gatewayid");
  }
}
