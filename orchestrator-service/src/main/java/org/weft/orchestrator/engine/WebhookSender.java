package org.weft.orchestrator.engine;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.coordination.WebhookLeadership;
import org.weft.orchestrator.graph.Webhooks;
import org.weft.orchestrator.lifecycle.DeliveryState;
import org.weft.orchestrator.notify.WebhookClient;
import org.weft.orchestrator.notify.WebhookProperties;

/**
 * Sends the pending webhook deliveries, on the one instance elected to ({@link WebhookLeadership}),
 * which also reads the event stream into deliveries ({@link Intake}). At most one attempt per
 * webhook and experiment is in flight, so each endpoint receives an experiment's events in order;
 * a failed attempt is retried after a doubling wait until the delivery is older than
 * {@code weft.webhooks.max-age}, and then marked failed, which lets the experiment's next events go.
 */
@Component
public class WebhookSender implements SmartLifecycle, WebhookLeadership.Listener {

  /** What reads the event stream into deliveries, while this instance is the sender. */
  public interface Intake {
    void startReading();

    void stopReading();
  }

  private static final Logger log = LoggerFactory.getLogger(WebhookSender.class);

  private final Webhooks webhooks;
  private final WebhookService service;
  private final WebhookClient client;
  private final WebhookProperties properties;
  private final WebhookLeadership leadership;
  private final Intake intake;
  private final Clock clock = Clock.systemUTC();
  private final Set<String> busyStreams = ConcurrentHashMap.newKeySet();
  private final AtomicBoolean requested = new AtomicBoolean();
  private final Counter delivered;
  private final Counter retried;
  private final Counter failed;
  private volatile ScheduledExecutorService executor;

  WebhookSender(Webhooks webhooks, WebhookService service, WebhookClient client, WebhookProperties properties,
      WebhookLeadership leadership, Intake intake, MeterRegistry meters) {
    this.webhooks = webhooks;
    this.service = service;
    this.client = client;
    this.properties = properties;
    this.leadership = leadership;
    this.intake = intake;
    this.delivered = meters.counter("weft.webhooks.attempts", "outcome", "delivered");
    this.retried = meters.counter("weft.webhooks.attempts", "outcome", "retried");
    this.failed = meters.counter("weft.webhooks.attempts", "outcome", "failed");
  }

  @Override
  public void start() {
    executor = Executors.newSingleThreadScheduledExecutor(runnable -> {
      var thread = new Thread(runnable, "weft-webhook-sender");
      thread.setDaemon(true);
      return thread;
    });
    long poll = properties.poll().toMillis();
    executor.scheduleWithFixedDelay(this::sendDue, poll, poll, TimeUnit.MILLISECONDS);
    service.onEnqueued(this::wake);
    leadership.listen(this);
    if (leadership.leading()) {
      leading(true);
    }
  }

  @Override
  public void leading(boolean leading) {
    if (leading) {
      intake.startReading();
      wake();
    } else {
      intake.stopReading();
    }
  }

  /** Looks for due deliveries soon, off the caller's thread. */
  void wake() {
    var current = executor;
    if (current != null && requested.compareAndSet(false, true)) {
      current.execute(this::sendDue);
    }
  }

  private void sendDue() {
    requested.set(false);
    if (!leadership.leading()) {
      return;
    }
    var current = executor;
    int room = properties.concurrency() - busyStreams.size();
    if (current == null || room <= 0) {
      return;
    }
    try {
      for (var due : webhooks.due(clock.millis(), Set.copyOf(busyStreams), room)) {
        busyStreams.add(due.stream());
        client.send(due.url(), due.secret(), due.id(), due.payload())
            .thenAccept(outcome -> current.execute(() -> record(due, outcome)));
      }
    } catch (RuntimeException e) {
      log.warn("Looking for webhook deliveries failed; trying again in {}: {}", properties.poll(), e.toString());
    }
  }

  private void record(Webhooks.Due due, WebhookClient.Outcome outcome) {
    try {
      long now = clock.millis();
      Integer status = outcome.status() == 0 ? null : outcome.status();
      if (outcome.delivered()) {
        webhooks.attempted(due.id(), DeliveryState.PENDING.moveTo(DeliveryState.DELIVERED), now, status, null, null);
        delivered.increment();
        return;
      }
      var error = outcome.error() != null ? outcome.error() : "HTTP " + outcome.status();
      if (now - due.since() >= properties.maxAge().toMillis()) {
        webhooks.attempted(due.id(), DeliveryState.PENDING.moveTo(DeliveryState.FAILED), now, status, error, null);
        failed.increment();
        log.warn("Webhook delivery {} failed for good after {} attempts: {}", due.id(), due.attempts() + 1, error);
        return;
      }
      long next = now + properties.retryAfter(due.attempts() + 1).toMillis();
      webhooks.attempted(due.id(), DeliveryState.PENDING, now, status, error, next);
      retried.increment();
      log.debug("Webhook delivery {} attempt {} failed, next at {}: {}", due.id(), due.attempts() + 1, next, error);
    } catch (RuntimeException e) {
      // the delivery stays due: it is sent again, with the same id
      log.warn("Recording webhook delivery {} failed: {}", due.id(), e.toString());
    } finally {
      busyStreams.remove(due.stream());
      wake();
    }
  }

  @Override
  public void stop() {
    intake.stopReading();
    var current = executor;
    executor = null;
    if (current != null) {
      current.shutdownNow();
    }
  }

  @Override
  public boolean isRunning() {
    return executor != null;
  }
}
