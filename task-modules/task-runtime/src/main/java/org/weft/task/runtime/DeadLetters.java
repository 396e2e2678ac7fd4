package org.weft.task.runtime;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.KafkaOperations;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.weft.task.api.Topics;

/**
 * The one way a Weft process parks a message it cannot use: Spring Kafka's dead-letter recoverer,
 * sending it to {@code <topic>.dlt} with the {@code kafka_dlt-*} headers (original topic, partition,
 * offset, exception and message), whether a worker found a dispatch unreadable or the orchestrator
 * a result.
 */
public final class DeadLetters {

  private static final Logger log = LoggerFactory.getLogger(DeadLetters.class);

  private DeadLetters() {}

  public static DeadLetterPublishingRecoverer recoverer(KafkaOperations<?, ?> template, Topics topics) {
    return new DeadLetterPublishingRecoverer(template,
        (record, e) -> new TopicPartition(topics.deadLetter(record.topic()), -1));
  }

  /** Parks {@code record}; a failure to park is logged, as nothing better can be done with it. */
  public static void park(DeadLetterPublishingRecoverer recoverer, ConsumerRecord<?, ?> record, Exception reason) {
    try {
      recoverer.accept(record, reason);
    } catch (RuntimeException e) {
      log.error("Cannot park the unreadable message {}-{}@{}: {}", record.topic(), record.partition(), record.offset(),
          e.toString());
    }
  }
}
