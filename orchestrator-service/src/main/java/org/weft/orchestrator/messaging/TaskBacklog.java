package org.weft.orchestrator.messaging;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.template.TaskTypeCatalog;
import org.weft.task.api.Topics;

/**
 * The dispatches that wait for a worker, per task type: what is in {@code weft.tasks.{taskType}}
 * beyond the offsets its consumer group has committed. Workers commit a dispatch only as they start
 * it, so this is the backlog that no worker has started, those waiting inside a worker included.
 * The backlog lives in Kafka, where it is cheap; this makes it visible as
 * {@code weft.tasks.queued{task.type}} and in {@code GET /api/v1/workers}. It is read when asked
 * for, at most every {@code MAX_AGE}, so it costs nothing while nobody looks.
 */
@Component
public class TaskBacklog {

  private static final Logger log = LoggerFactory.getLogger(TaskBacklog.class);
  private static final Duration MAX_AGE = Duration.ofSeconds(5);
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final SharedAdminClient admin;
  private final Topics topics;
  private final List<String> taskTypes;
  private Map<String, Long> last = Map.of();
  private long readAt;

  TaskBacklog(SharedAdminClient admin, Topics topics, TaskTypeCatalog catalog, MeterRegistry meters) {
    this.admin = admin;
    this.topics = topics;
    this.taskTypes = catalog.names();
    for (var type : taskTypes) {
      Gauge.builder("weft.tasks.queued", this, backlog -> backlog.queued().getOrDefault(type, 0L))
          .description("dispatches in the task type's topic that no worker has started")
          .tag("task.type", type).register(meters);
    }
  }

  /** Dispatches not yet started, by task type; the last reading if Kafka does not answer now. */
  public synchronized Map<String, Long> queued() {
    long now = System.nanoTime();
    if (readAt != 0 && now - readAt < MAX_AGE.toNanos()) {
      return last;
    }
    try {
      last = read();
      readAt = now;
    } catch (Exception e) {
      log.debug("Cannot read the task topics' backlog now: {}", e.toString());
    }
    return last;
  }

  private Map<String, Long> read() throws Exception {
    var admin = this.admin.get();
    var topicNames = taskTypes.stream().map(topics::tasks).toList();
    var described = admin.describeTopics(topicNames).allTopicNames().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    var partitions = new ArrayList<TopicPartition>();
    described.forEach((name, topic) -> topic.partitions()
        .forEach(partition -> partitions.add(new TopicPartition(name, partition.partition()))));
    var latest = new HashMap<TopicPartition, OffsetSpec>();
    var earliest = new HashMap<TopicPartition, OffsetSpec>();
    partitions.forEach(partition -> {
      latest.put(partition, OffsetSpec.latest());
      earliest.put(partition, OffsetSpec.earliest());
    });
    var ends = admin.listOffsets(latest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    var starts = admin.listOffsets(earliest).all().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    var backlog = new TreeMap<String, Long>();
    for (var type : taskTypes) {
      var committed = admin.listConsumerGroupOffsets(Topics.workerGroup(type)).partitionsToOffsetAndMetadata()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      long queued = 0;
      for (var partition : partitions) {
        if (!partition.topic().equals(topics.tasks(type))) {
          continue;
        }
        var done = committed.get(partition);
        long from = done != null ? done.offset() : starts.get(partition).offset();
        queued += Math.max(0, ends.get(partition).offset() - from);
      }
      backlog.put(type, queued);
    }
    return backlog;
  }
}
