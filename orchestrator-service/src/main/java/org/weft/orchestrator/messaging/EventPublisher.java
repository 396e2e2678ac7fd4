package org.weft.orchestrator.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.TreeMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.dag.EventOutbox;
import org.weft.orchestrator.dag.PublishedEvents;
import org.weft.task.api.Topics;

/**
 * Publishes the audit trail to {@code weft.experiment-events} as CloudEvents 1.0 JSON, at least
 * once and in each experiment's order. Events are written with the state change they describe, in
 * the same transaction, and handed to the {@link EventOutbox} at its commit; from there they are
 * published without reading them back. Each experiment records how far its events are published
 * ({@code publishedSeq}), one write per experiment and flush rather than one per event. What a crash
 * (of this instance or another) left unpublished is found through the experiment's
 * {@code eventsPending} flag and published again from Neo4j; the event id {@code experimentId/seq}
 * lets a gateway drop repeats.
 */
@Component
public class EventPublisher implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventPublisher.class);
  private static final int BATCH = 500;
  private static final long SWEEP_MILLIS = 2_000;
  private static final long MARK_MILLIS = 1_000;
  private static final long FLUSH_DELAY_MILLIS = 20;
  /** Events younger than this may still be on their way out of a live instance: a sweep leaves them. */
  private static final long SWEEP_GRACE_MILLIS = 10_000;
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final PublishedEvents published;
  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final MessageJson json;
  private final EventOutbox outbox;
  private final AtomicBoolean requested = new AtomicBoolean();
  /** How far each experiment's events are published, first and last seq, not yet recorded; guarded by this. */
  private final TreeMap<String, long[]> marks = new TreeMap<>();
  private volatile ScheduledExecutorService executor;

  EventPublisher(PublishedEvents published, KafkaTemplate<String, String> kafka, Topics topics, MessageJson json,
      EventOutbox outbox, MeterRegistry meters) {
    this.published = published;
    this.kafka = kafka;
    this.topics = topics;
    this.json = json;
    this.outbox = outbox;
    outbox.onCommitted(this::requestFlush);
    meters.gauge("weft.events.unpublished", outbox, EventOutbox::size);
  }

  /**
   * Publishes soon. The short delay gathers the events of many transactions into one flush, off the
   * engine's hot path.
   */
  public void requestFlush() {
    var current = executor;
    if (current != null && requested.compareAndSet(false, true)) {
      current.schedule(this::flushQuietly, FLUSH_DELAY_MILLIS, TimeUnit.MILLISECONDS);
    }
  }

  /** Publishes the events committed so far; returns how many. */
  public int flush() {
    requested.set(false);
    return publish(outbox.takeReady().stream().map(EventPublisher::properties).toList());
  }

  /**
   * Publishes what crashed instances (or a failed send) left unpublished, once it is older than the
   * grace period; returns how many events.
   */
  public int sweep() {
    var behind = published.behind(System.currentTimeMillis() - SWEEP_GRACE_MILLIS, BATCH);
    int total = 0;
    for (var experiment : behind) {
      var experimentId = experiment.experimentId();
      if (outbox.holds(experimentId) || marked(experimentId)) {
        continue;
      }
      var events = published.after(experimentId, experiment.publishedSeq(), BATCH);
      total += publish(events);
    }
    if (total > 0) {
      log.info("Published {} experiment events that were left unpublished", total);
    }
    return total;
  }

  /** Sends events, each experiment's in order, and notes how far each experiment is published. */
  private synchronized int publish(List<Map<String, Object>> events) {
    if (events.isEmpty()) {
      return 0;
    }
    var sent = new ArrayList<CompletableFuture<?>>(events.size());
    for (var event : events) {
      var experimentId = (String) event.get("experimentId");
      sent.add(kafka.send(topics.experimentEvents(), experimentId, json.write(cloudEvent(event))));
    }
    var failed = new HashSet<String>();
    for (int i = 0; i < events.size(); i++) {
      var experimentId = (String) events.get(i).get("experimentId");
      long seq = ((Number) events.get(i).get("seq")).longValue();
      if (!delivered(sent.get(i))) {
        // the mark stops before this event: the sweep sends it and what follows again
        failed.add(experimentId);
        marks.remove(experimentId);
      } else if (!failed.contains(experimentId)) {
        marks.merge(experimentId, new long[] {seq, seq},
            (earlier, next) -> earlier[1] == seq - 1 ? new long[] {earlier[0], seq} : earlier);
      }
    }
    return events.size();
  }

  /**
   * Records how far experiments' events are published, once a second rather than at every flush:
   * the statement writes the experiments the engine writes all the time. A crash loses at most the
   * last second's marks, and the sweep then publishes those events again.
   */
  private synchronized void writeMarks() {
    if (marks.isEmpty()) {
      return;
    }
    published.mark(marks.entrySet().stream()
        .map(entry -> new PublishedEvents.Mark(entry.getKey(), entry.getValue()[0], entry.getValue()[1]))
        .toList());
    marks.clear();
  }

  private synchronized boolean marked(String experimentId) {
    return marks.containsKey(experimentId);
  }

  private void writeMarksQuietly() {
    try {
      writeMarks();
    } catch (RuntimeException e) {
      log.warn("Recording which experiment events are published failed, trying again shortly: {}", e.toString());
    }
  }

  private static boolean delivered(CompletableFuture<?> send) {
    try {
      send.get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      return false;
    }
  }

  private static Map<String, Object> properties(EventOutbox.StoredEvent event) {
    var properties = new HashMap<String, Object>();
    properties.put("experimentId", event.experimentId());
    properties.put("seq", event.seq());
    properties.put("at", event.at());
    properties.put("type", event.type());
    properties.put("taskKey", event.taskKey());
    properties.put("state", event.state());
    properties.put("detail", event.detail());
    return properties;
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
      log.warn("Publishing experiment events failed; the sweep publishes them again: {}", e.toString());
    }
  }

  private void sweepQuietly() {
    try {
      sweep();
    } catch (RuntimeException e) {
      log.warn("Looking for unpublished experiment events failed, trying again shortly: {}", e.toString());
    }
  }

  @Override
  public void start() {
    executor = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, "weft-event-publisher");
      thread.setDaemon(true);
      return thread;
    });
    executor.scheduleWithFixedDelay(this::sweepQuietly, 0, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    executor.scheduleWithFixedDelay(this::writeMarksQuietly, MARK_MILLIS, MARK_MILLIS, TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    var current = executor;
    executor = null;
    if (current != null) {
      // what is committed goes out now; anything later is the sweep's, here or on another instance
      current.execute(this::flushQuietly);
      current.execute(this::writeMarksQuietly);
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
