package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CloudEventTest {

  @Test
  void aTaskStateChangeIsACloudEventAboutTheTask() {
    var event = new HashMap<String, Object>();
    event.put("experimentId", "e-1");
    event.put("seq", 7L);
    event.put("taskKey", "run");
    event.put("state", "SUCCEEDED");
    event.put("detail", "attempt 1 on worker w-1");
    event.put("at", ZonedDateTime.of(2026, 11, 22, 10, 0, 0, 0, ZoneOffset.UTC));

    var cloud = EventPublisher.cloudEvent(event);

    assertThat(cloud).containsEntry("specversion", "1.0").containsEntry("id", "e-1/7")
        .containsEntry("type", "org.weft.task.state").containsEntry("subject", "e-1/run")
        .containsEntry("source", "/weft/experiments/e-1").containsEntry("time", "2026-11-22T10:00:00Z")
        .containsEntry("datacontenttype", "application/json");
    assertThat((Map<String, Object>) cloud.get("data")).containsEntry("state", "SUCCEEDED").containsEntry("seq", 7L);
  }

  @Test
  void anExperimentStateChangeHasTheExperimentAsSubject() {
    var event = new HashMap<String, Object>();
    event.put("experimentId", "e-1");
    event.put("seq", 1L);
    event.put("state", "CREATED");

    var cloud = EventPublisher.cloudEvent(event);

    assertThat(cloud).containsEntry("type", "org.weft.experiment.state").containsEntry("subject", "e-1");
  }
}
