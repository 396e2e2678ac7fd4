package org.weft.orchestrator.intake;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.engine.WebhookSender;
import org.weft.orchestrator.engine.WebhookService;
import org.weft.orchestrator.model.MessageJson;
import org.weft.task.runtime.DeadLetters;

/**
 * Reads the event stream into webhook deliveries, on the instance that sends them. Its consumer
 * group is shared and its offsets are committed only once a batch's deliveries are stored, so every
 * event is offered at least once, across crashes and changes of sender; an event offered again adds
 * nothing. The group starts from the oldest event the topic keeps, so that nothing written while it
 * first joins is skipped; a webhook receives only events from its registration on. A batch that cannot be stored is retried, then parked on the dead-letter topic, as task
 * results are.
 */
@Component
class WebhookEventListener implements WebhookSender.Intake {

  static final String ID = "weft-webhook-events";
  private static final Logger log = LoggerFactory.getLogger(WebhookEventListener.class);
  private static final String TYPE_PREFIX = "org.weft.";

  private final WebhookService webhooks;
  private final KafkaListenerEndpointRegistry registry;
  private final MessageJson json;
  private final DeadLetterPublishingRecoverer deadLetters;

  WebhookEventListener(WebhookService webhooks, KafkaListenerEndpointRegistry registry, MessageJson json,
      DeadLetterPublishingRecoverer deadLetters) {
    this.webhooks = webhooks;
    this.registry = registry;
    this.json = json;
    this.deadLetters = deadLetters;
  }

  @KafkaListener(id = ID, topics = "#{@topics.experimentEvents()}", groupId = "weft-webhooks", autoStartup = "false",
      batch = "true", properties = {"auto.offset.reset=earliest"})
  void onEvents(List<ConsumerRecord<String, String>> records) {
    if (!webhooks.anyWebhooks()) {
      return;
    }
    var events = new ArrayList<WebhookService.StreamEvent>(records.size());
    for (var record : records) {
      try {
        events.add(event(record.value()));
      } catch (RuntimeException e) {
        log.warn("Unusable event at {}-{}@{} sent to the dead-letter topic: {}", record.topic(), record.partition(),
            record.offset(), e.getMessage());
        DeadLetters.park(deadLetters, record, e);
      }
    }
    webhooks.accept(events);
  }

  @SuppressWarnings("unchecked")
  private WebhookService.StreamEvent event(String value) {
    Map<String, Object> cloud = json.read(value, Map.class);
    if (cloud == null || !(cloud.get("data") instanceof Map<?, ?> data) || !(cloud.get("type") instanceof String type)
        || !type.startsWith(TYPE_PREFIX) || !(data.get("experimentId") instanceof String experimentId)
        || !(data.get("seq") instanceof Number seq) || !(cloud.get("id") instanceof String id)
        || !(cloud.get("time") instanceof String time)) {
      throw new IllegalArgumentException("not an experiment event of Weft's");
    }
    return new WebhookService.StreamEvent(id, type.substring(TYPE_PREFIX.length()), (String) cloud.get("gatewayid"),
        experimentId, seq.longValue(), Instant.parse(time), (Map<String, Object>) data);
  }

  @Override
  public void startReading() {
    var container = registry.getListenerContainer(ID);
    if (container != null && !container.isRunning()) {
      container.start();
    }
  }

  @Override
  public void stopReading() {
    var container = registry.getListenerContainer(ID);
    if (container != null && container.isRunning()) {
      container.stop();
    }
  }
}
