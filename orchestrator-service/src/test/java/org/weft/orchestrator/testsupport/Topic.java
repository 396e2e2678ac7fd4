package org.weft.orchestrator.testsupport;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;

/** Reading a topic from now on, as a gateway or an operator would. */
public final class Topic {

  private Topic() {}

  /** A consumer of {@code topic} in a group of its own, assigned its partitions before it is returned. */
  public static KafkaConsumer<String, String> follow(String bootstrapServers, String topic) {
    var consumer = new KafkaConsumer<String, String>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, "it-" + System.nanoTime(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest",
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    consumer.subscribe(List.of(topic));
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      consumer.poll(Duration.ofMillis(100));
      return !consumer.assignment().isEmpty();
    });
    // "latest" is looked up lazily, at the first fetch after the assignment: looked up only after a
    // record the caller then sends, it would skip that record. position() looks it up now.
    consumer.assignment().forEach(partition -> consumer.position(partition, Duration.ofSeconds(60)));
    return consumer;
  }
}
