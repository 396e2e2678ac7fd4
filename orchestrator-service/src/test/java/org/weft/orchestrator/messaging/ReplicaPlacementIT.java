package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.Topics;

/**
 * Two workers of one task type in their consumer group on the real broker: a replica of an attempt
 * that one of them runs is sent to a partition the other consumes.
 */
@WeftIntegrationTest
class ReplicaPlacementIT {

  private static final String TYPE = "placement-probe";

  @Value("${spring.kafka.bootstrap-servers}")
  String bootstrap;

  @Autowired
  ReplicaPlacement placement;

  @Autowired
  Topics topics;

  @Test
  void aReplicaGoesToAPartitionOfAnotherWorkerOfTheGroup() throws Exception {
    try (var admin = AdminClient.create(Map.of("bootstrap.servers", bootstrap))) {
      admin.createTopics(List.of(new NewTopic(topics.tasks(TYPE), 4, (short) 1))).all().get();
    }
    var assigned = new ConcurrentHashMap<String, Set<Integer>>();
    var stop = new AtomicBoolean();
    var threads = new ArrayList<Thread>();
    for (var worker : List.of("w-a", "w-b")) {
      var thread = new Thread(() -> {
        try (var consumer = new KafkaConsumer<String, String>(Map.of(
            ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
            ConsumerConfig.GROUP_ID_CONFIG, Topics.workerGroup(TYPE),
            ConsumerConfig.CLIENT_ID_CONFIG, Topics.workerClientId(worker, TYPE)),
            new StringDeserializer(), new StringDeserializer())) {
          consumer.subscribe(List.of(topics.tasks(TYPE)));
          while (!stop.get()) {
            consumer.poll(Duration.ofMillis(100));
            var partitions = new java.util.HashSet<Integer>();
            consumer.assignment().forEach(partition -> partitions.add(partition.partition()));
            assigned.put(worker, partitions);
          }
        }
      });
      thread.start();
      threads.add(thread);
    }
    try {
      await("both workers to hold partitions").atMost(Duration.ofSeconds(60))
          .until(() -> assigned.size() == 2 && assigned.values().stream().noneMatch(Set::isEmpty)
              && assigned.get("w-a").size() + assigned.get("w-b").size() == 4);

      for (int i = 0; i < 10; i++) {
        assertThat(assigned.get("w-b")).contains(placement.partitionAvoiding(TYPE, "w-a").orElseThrow());
        assertThat(assigned.get("w-a")).contains(placement.partitionAvoiding(TYPE, "w-b").orElseThrow());
      }
      assertThat(placement.partitionAvoiding("no-such-type", "w-a")).isEmpty();
    } finally {
      stop.set(true);
      for (var thread : threads) {
        thread.join();
      }
    }
  }
}
