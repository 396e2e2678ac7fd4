package org.weft.orchestrator.messaging;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.MessageJson;
import org.weft.orchestrator.model.StoredEvent;
import org.weft.task.api.Topics;

/**
 * Sends experiment events to {@code weft.experiment-events} as CloudEvents 1.0 JSON in structured
 * mode (the {@code content-type} header of the Kafka protocol binding), keyed by experiment so that
 * each experiment's events stay in order in one partition. An experiment's gateway travels as the
 * extension attribute {@code gatewayid}, so a gateway's consumer can filter without parsing data.
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

  /** The structured-mode content type of the CloudEvents Kafka protocol binding. */
  public static final String CONTENT_TYPE = "application/cloudevents+json; charset=UTF-8";
  private static final byte[] CONTENT_TYPE_BYTES = CONTENT_TYPE.getBytes(StandardCharsets.UTF_8);

  /**
   * Sends the events in order; each future completes when Kafka has the event, or fails.
   *
   * @param gateways the gateway of each experiment that has one
   */
  public List<CompletableFuture<?>> send(List<StoredEvent> events, Map<String, String> gateways) {
    var sent = new ArrayList<CompletableFuture<?>>(events.size());
    for (var event : events) {
      var record = new ProducerRecord<String, String>(topics.experimentEvents(), event.experimentId(),
          json.write(cloudEvent(event, gateways.get(event.experimentId()))));
      record.headers().add("content-type", CONTENT_TYPE_BYTES);
      sent.add(kafka.send(record));
    }
    return sent;
  }

  static Map<String, Object> cloudEvent(StoredEvent event, String gatewayId) {
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
    if (gatewayId != null) {
      cloud.put("gatewayid", gatewayId);
    }
    cloud.put("data", data);
    return cloud;
  }
}
