package org.weft.orchestrator.messaging;

import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.task.api.Topics;

/**
 * Publishes the audit trail to {@code weft.experiment-events} as CloudEvents 1.0 JSON. The events
 * are written with the state change they describe, in the same transaction, and marked published
 * only once Kafka has them: a crash in between publishes them again (at least once; the event id
 * {@code experimentId/seq} lets a gateway drop repeats).
 */
@Component
public class EventPublisher implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
  private static final int BATCH = 500;
  private static final long SWEEP_MILLIS = 1_000;
  private static final long FLUSH_DELAY_MILLIS = 50;

  /** The oldest unpublished events, through the index on {@code published}. */
  static final String UNPUBLISHED = """
      MATCH (v:Event {published: false})
      WITH v ORDER BY v.experimentId, v.seq LIMIT $batch
      RETURN v {.*} AS event""";

  /**
   * Marks events published by their key, through the index on {@code (experimentId, seq)}: a
   * match on {@code elementId(v) IN $list} was planned as a scan of every event ever written.
   */
  static final String MARK_PUBLISHED = """
      UNWIND $keys AS k
      MATCH (v:Event {experimentId: k.experimentId, seq: k.seq})
      SET v.published = true""";

  private final Neo4jClient neo4j;
  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final MessageJson json;
  private final AtomicBoolean requested = new AtomicBoolean();
  private volatile ScheduledExecutorService executor;

  EventPublisher(Neo4jClient neo4j, KafkaTemplate<String, String> kafka, Topics topics, MessageJson json) {
    this.neo4j = neo4j;
    this.kafka = kafka;
    this.topics = topics;
    this.json = json;
  }

  /**
   * Publishes soon, after the transaction that wrote events has committed. The short delay gathers
   * the events of many transactions into one read and one write, off the engine's hot path.
   */
  public void requestFlush() {
    var current = executor;
    if (current != null && requested.compareAndSet(false, true)) {
      current.schedule(this::flushQuietly, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Publishes every unpublished event; returns how many. */
  public int flush() {
    requested.set(false);
    int total = 0;
    while (true) {
      var rows = neo4j.query(UNPUBLISHED).bind(BATCH).to("batch").fetch().all();
      if (rows.isEmpty()) {
        return total;
      }
      var sent = new ArrayList<CompletableFuture<?>>();
      var keys = new ArrayList<Map<String, Object>>();
      for (var row : rows) {
        @SuppressWarnings("unchecked")
        var event = (Map<String, Object>) row.get("event");
        var experimentId = (String) event.get("experimentId");
        sent.add(kafka.send(topics.experimentEvents(), experimentId, json.write(cloudEvent(event))));
        keys.add(Map.of("experimentId", experimentId, "seq", event.get("seq")));
      }
      CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
      neo4j.query(MARK_PUBLISHED).bind(keys).to("keys").run();
      total += rows.size();
    }
  }

  static Map<String, Object> cloudEvent(Map<String, Object> event) {
    var experimentId = (String) event.get("experimentId");
    var taskKey = (String) event.get("taskKey");
    var data = new LinkedHashMap<String, Object>();
    data.put("experimentId", experimentId);
    data.put("seq", event.get("seq"));
    data.put("taskKey", taskKey);
    data.put("state", event.get("state"));
    data.put("detail", event.get("detail"));
    var cloud = new LinkedHashMap<String, Object>();
    cloud.put("specversion", "1.0");
    cloud.put("id", experimentId + "/" + event.get("seq"));
    cloud.put("source", "/weft/experiments/" + experimentId);
    cloud.put("type", taskKey == null ? "org.weft.experiment.state" : "org.weft.task.state");
    cloud.put("subject", taskKey == null ? experimentId : experimentId + "/" + taskKey);
    var at = event.get("at");
    cloud.put("time", at instanceof ZonedDateTime zoned ? zoned.toInstant().toString() : String.valueOf(at));
    cloud.put("datacontenttype", "application/json");
    cloud.put("data", data);
    return cloud;
  }

  private void flushQuietly() {
    try {
      flush();
    } catch (RuntimeException e) {
      log.warn("Publishing experiment events failed; they stay queued and go out on the next sweep: {}", e.toString());
    }
  }

  @Override
  public void start() {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, "weft-event-publisher");
      thread.setDaemon(true);
      return thread;
    });
    executor.scheduleWithFixedDelay(this::flushQuietly, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    var current = executor;
    executor = null;
    if (current != null) {
      current.shutdown();
      try {
        current.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return executor != null;
  }

}
