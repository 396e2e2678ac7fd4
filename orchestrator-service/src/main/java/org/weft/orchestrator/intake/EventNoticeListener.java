package org.weft.orchestrator.intake;

import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.config.KafkaListenerEndpointRegistry;
import org.springframework.kafka.listener.ConsumerSeekAware;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.engine.EventStreams;

/**
 * Tells {@link EventStreams} which experiments have new events, from the event topic: every
 * instance reads all of it (a consumer group of its own, from the newest event on), so a client
 * following an experiment on one instance hears of events another instance wrote. Only the key, the
 * experiment's id, is read; the events themselves come from the audit trail.
 */
@Component
class EventNoticeListener implements EventStreams.Notices, ConsumerSeekAware {

  static final String ID = "weft-event-notices";

  private final EventStreams streams;
  private final KafkaListenerEndpointRegistry registry;

  EventNoticeListener(EventStreams streams, KafkaListenerEndpointRegistry registry) {
    this.streams = streams;
    this.registry = registry;
  }

  @KafkaListener(id = ID, topics = "#{@topics.experimentEvents()}", autoStartup = "false", batch = "true",
      groupId = "#{'weft-event-notices-' + T(java.util.UUID).randomUUID()}",
      properties = {"auto.offset.reset=latest", "enable.auto.commit=false"})
  void onEvents(List<ConsumerRecord<String, String>> records) {
    var experiments = new HashSet<String>();
    for (var record : records) {
      if (record.key() != null) {
        experiments.add(record.key());
      }
    }
    experiments.forEach(streams::changed);
  }

  @Override
  public void onPartitionsAssigned(Map<TopicPartition, Long> assignments, ConsumerSeekCallback callback) {
    // what was written before the consumer had its partitions came with no notice
    streams.changedAll();
  }

  @Override
  public void onPartitionsRevoked(Collection<TopicPartition> partitions) {}

  @Override
  public void start() {
    var container = registry.getListenerContainer(ID);
    if (container != null && !container.isRunning()) {
      container.start();
    }
  }
}
