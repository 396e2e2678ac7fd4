package org.weft.orchestrator.engine;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.graph.EventOutbox;
import org.weft.orchestrator.messaging.EventSender;
import org.weft.orchestrator.model.StoredEvent;

/**
 * Moves experiment events from the {@link EventOutbox} to the event stream ({@link EventSender}),
 * at least once and in each experiment's order. What this instance committed goes out soon after
 * the commit without being read back; how far each experiment is published is recorded once per
 * experiment and second rather than per event; what a crash (of this instance or another) left
 * unpublished is swept from Neo4j. The event id {@code experimentId/seq} lets a gateway drop
 * repeats.
 */
@Component
public class EventRelay implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventRelay.class);
  private static final int BATCH = 500;
  private static final long SWEEP_MILLIS = 2_000;
  private static final long MARK_MILLIS = 1_000;
  private static final long FLUSH_DELAY_MILLIS = 20;
  /** Events younger than this may still be on their way out of a live instance: a sweep leaves them. */
  private static final long SWEEP_GRACE_MILLIS = 10_000;
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final EventOutbox outbox;
  private final EventSender sender;
  private final ExperimentGateways gateways;
  private final AtomicBoolean requested = new AtomicBoolean();
  /** How far each experiment's events are published, first and last seq, not yet recorded; guarded by this. */
  private final TreeMap<String, long[]> marks = new TreeMap<>();
  private volatile ScheduledExecutorService executor;

  EventRelay(EventOutbox outbox, EventSender sender, ExperimentGateways gateways, MeterRegistry meters) {
    this.outbox = outbox;
    this.sender = sender;
    this.gateways = gateways;
    outbox.onCommitted(this::requestFlush);
    meters.gauge("weft.events.unpublished", outbox, EventOutbox::held);
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
    return publish(outbox.takeCommitted());
  }

  /**
   * Publishes what crashed instances (or a failed send) left unpublished, once it is older than the
   * grace period; returns how many events.
   */
  public int sweep() {
    var behind = outbox.behind(System.currentTimeMillis() - SWEEP_GRACE_MILLIS, BATCH);
    int total = 0;
    for (var experiment : behind) {
      var experimentId = experiment.experimentId();
      if (outbox.holds(experimentId) || marked(experimentId)) {
        continue;
      }
      var events = outbox.after(experimentId, experiment.publishedSeq(), BATCH);
      total += publish(events);
    }
    if (total > 0) {
      log.info("Published {} experiment events that were left unpublished", total);
    }
    return total;
  }

  /** Sends events, each experiment's in order, and notes how far each experiment is published. */
  private synchronized int publish(List<StoredEvent> events) {
    if (events.isEmpty()) {
      return 0;
    }
    var sent = sender.send(events, gateways.of(events.stream().map(StoredEvent::experimentId).distinct().toList()));
    var failed = new HashSet<String>();
    for (int i = 0; i < events.size(); i++) {
      var experimentId = events.get(i).experimentId();
      long seq = events.get(i).seq();
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
    outbox.mark(marks.entrySet().stream()
        .map(entry -> new EventOutbox.Mark(entry.getKey(), entry.getValue()[0], entry.getValue()[1]))
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
