package org.weft.orchestrator.messaging;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.MessageJson;
import org.weft.orchestrator.model.StoredEvent;
import org.weft.task.api.Topics;

/**
 * Sends experiment events to {@code weft.experiment-events} as CloudEvents 1.0 JSON, keyed by
 * experiment so that each experiment's events stay in order in one partition.
 */
@Component
public class EventSender {

  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final MessageJson json;

  EventSender(KafkaTemplate<String, String> kafka, Topics topics, MessageJson json) {
    this.kafka = kafka;
    this.topics = topics;
    this.json = json;
  }

  /** Sends the events in order; each future completes when Kafka has the event, or fails. */
  public List<CompletableFuture<?>> send(List<StoredEvent> events) {
    var sent = new ArrayList<CompletableFuture<?>>(events.size());
    for (var event : events) {
      sent.add(kafka.send(topics.experimentEvents(), event.experimentId(), json.write(cloudEvent(event))));
    }
    return sent;
  }

  static Map<String, Object> cloudEvent(StoredEvent event) {
    var experimentId = event.experimentId();
    var taskKey = event.taskKey();
    var data = new LinkedHashMap<String, Object>();
    data.put("experimentId", experimentId);
    data.put("seq", event.seq());
    data.put("taskKey", taskKey);
    data.put("state", event.state());
    data.put("detail", event.detail());
    var cloud = new LinkedHashMap<String, Object>();
    cloud.put("specversion", "1.0");
    cloud.put("id", experimentId + "/" + event.seq());
    cloud.put("source", "/weft/experiments/" + experimentId);
    cloud.put("type", taskKey == null ? "org.weft.experiment.state" : "org.weft.task.state");
    cloud.put("subject", taskKey == null ? experimentId : experimentId + "/" + taskKey);
    cloud.put("time", String.valueOf(event.at()));
    cloud.put("datacontenttype", "application/json");
    cloud.put("data", data);
    return cloud;
  }
}
