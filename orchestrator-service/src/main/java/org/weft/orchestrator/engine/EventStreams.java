package org.weft.orchestrator.engine;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.graph.LiveDags;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.model.LiveDagViews;

/**
 * Live streams of experiments' events, for clients that follow an experiment (Server-Sent Events).
 * The audit trail in Neo4j is what a stream sends, in order and from where the client left off; a
 * notice that an experiment has new events (from the event topic, whichever instance wrote them)
 * only says when to read it again. A stream ends once it has sent the experiment's end.
 */
@Component
public class EventStreams implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(EventStreams.class);

  /** Where a stream's events go; each call returns false once the client is gone. */
  public interface Subscriber {
    boolean deliver(List<LiveDagViews.Event> events);

    boolean heartbeat();

    void end();
  }

  /**
   * The notices of new events, started when the first client follows an experiment and kept on
   * after: until then an instance spends nothing on them.
   */
  public interface Notices {
    void start();
  }

  private final LiveDags liveDags;
  private final ObjectProvider<Notices> notices;
  private final Duration heartbeat;
  private final Map<String, Set<Stream>> byExperiment = new ConcurrentHashMap<>();
  private volatile ScheduledExecutorService executor;

  EventStreams(LiveDags liveDags, ObjectProvider<Notices> notices, EngineProperties properties) {
    this.liveDags = liveDags;
    this.notices = notices;
    this.heartbeat = properties.streamHeartbeat();
  }

  /**
   * Starts following an experiment: what came after {@code after} is sent at once, then each new
   * event as it is written.
   *
   * @return closes the stream (the client went away)
   */
  public Runnable follow(String experimentId, long after, Subscriber subscriber) {
    var stream = new Stream(experimentId, after, subscriber);
    byExperiment.computeIfAbsent(experimentId, id -> ConcurrentHashMap.newKeySet()).add(stream);
    notices.ifAvailable(Notices::start);
    executor.execute(() -> catchUp(stream));
    return () -> close(stream);
  }

  /** Every followed experiment may have new events: the notices were not listening until now. */
  public void changedAll() {
    byExperiment.keySet().forEach(this::changed);
  }

  /** The experiment has new events. */
  public void changed(String experimentId) {
    var streams = byExperiment.get(experimentId);
    if (streams != null && executor != null) {
      for (var stream : streams) {
        if (stream.due.compareAndSet(false, true)) {
          executor.execute(() -> catchUp(stream));
        }
      }
    }
  }

  private void catchUp(Stream stream) {
    stream.due.set(false);
    synchronized (stream) {
      if (stream.closed) {
        return;
      }
      try {
        var events = liveDags.eventsAfter(stream.experimentId, stream.last);
        if (events.isEmpty()) {
          return;
        }
        if (!stream.subscriber.deliver(events)) {
          close(stream);
          return;
        }
        stream.last = events.get(events.size() - 1).seq();
        if (events.stream().anyMatch(EventStreams::ends)) {
          stream.subscriber.end();
          close(stream);
        }
      } catch (RuntimeException e) {
        // Neo4j away for a moment: the next notice or heartbeat reads again from the same place
        log.debug("Reading the events of {} for a stream failed: {}", stream.experimentId, e.toString());
      }
    }
  }

  private static boolean ends(LiveDagViews.Event event) {
    return "experiment.state".equals(event.type()) && event.state() != null
        && ExperimentState.valueOf(event.state()).isTerminal();
  }

  private void close(Stream stream) {
    synchronized (stream) {
      if (stream.closed) {
        return;
      }
      stream.closed = true;
    }
    byExperiment.computeIfPresent(stream.experimentId, (id, streams) -> {
      streams.remove(stream);
      return streams.isEmpty() ? null : streams;
    });
  }

  /** Keeps idle connections open through proxies, and reads again in case a notice was missed. */
  private void tick() {
    for (var streams : byExperiment.values()) {
      for (var stream : streams) {
        if (!stream.subscriber.heartbeat()) {
          close(stream);
        } else {
          catchUp(stream);
        }
      }
    }
  }

  @Override
  public void start() {
    var started = Executors.newSingleThreadScheduledExecutor(runnable -> {
      var thread = new Thread(runnable, "weft-event-streams");
      thread.setDaemon(true);
      return thread;
    });
    started.scheduleWithFixedDelay(this::tick, heartbeat.toMillis(), heartbeat.toMillis(), TimeUnit.MILLISECONDS);
    executor = started;
  }

  @Override
  public void stop() {
    var running = executor;
    executor = null;
    if (running != null) {
      running.shutdownNow();
    }
    byExperiment.values().forEach(streams -> streams.forEach(stream -> stream.subscriber.end()));
    byExperiment.clear();
  }

  @Override
  public boolean isRunning() {
    return executor != null;
  }

  private static final class Stream {
    final String experimentId;
    final Subscriber subscriber;
    final AtomicBoolean due = new AtomicBoolean();
    long last;
    boolean closed;

    Stream(String experimentId, long after, Subscriber subscriber) {
      this.experimentId = experimentId;
      this.last = after;
      this.subscriber = subscriber;
    }
  }
}
