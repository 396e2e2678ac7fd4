package org.weft.orchestrator.engine;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.graph.Webhooks;
import org.weft.orchestrator.lifecycle.DeliveryState;
import org.weft.orchestrator.model.MessageJson;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.model.Webhook;
import org.weft.orchestrator.model.WebhookDelivery;
import org.weft.orchestrator.notify.StandardWebhooks;
import org.weft.orchestrator.notify.WebhookClient;
import org.weft.orchestrator.notify.WebhookProperties;

/**
 * Gateways' webhooks: registering them, and turning each event read from the event stream into one
 * durable delivery per webhook that wants it ({@link Webhooks}), which {@link WebhookSender} sends.
 */
@Service
public class WebhookService {

  /** The event types a webhook may ask for, named as in its messages' {@code type}. */
  public static final Set<String> EVENT_TYPES = Set.of("experiment.state", "task.state");
  private static final List<String> DEFAULT_EVENTS = List.of("experiment.state");
  /** How long the set of webhooks is used before it is read again (another instance may have changed it). */
  private static final long WEBHOOKS_FRESH_MILLIS = 2_000;

  /**
   * One event from the event stream.
   *
   * @param id        the CloudEvent's id, {@code experimentId/seq}
   * @param type      one of {@link #EVENT_TYPES}
   * @param gatewayId the experiment's gateway, or null
   * @param time      when it happened, as the event says
   * @param data      the event's data
   */
  public record StreamEvent(String id, String type, String gatewayId, String experimentId, long seq, Instant time,
      Map<String, Object> data) {}

  private final Webhooks webhooks;
  private final WebhookClient client;
  private final WebhookProperties properties;
  private final MessageJson json;
  private final Clock clock;
  private volatile List<Webhook> known = List.of();
  private volatile long knownAt = 0;
  private volatile Runnable onEnqueued = () -> {};

  WebhookService(Webhooks webhooks, WebhookClient client, WebhookProperties properties, MessageJson json) {
    this.webhooks = webhooks;
    this.client = client;
    this.properties = properties;
    this.json = json;
    this.clock = Clock.systemUTC();
  }

  /**
   * @param gatewayId the caller's gateway; null for an operator's webhook for every gateway
   * @param secret    the signing secret the caller chose, or null for a new one
   * @throws InvalidWebhookException for a URL, event type or secret that cannot be used
   */
  public Webhook register(String gatewayId, String url, List<String> events, String secret) {
    try {
      client.checkUrl(url);
    } catch (IllegalArgumentException e) {
      throw new InvalidWebhookException("url", e.getMessage());
    }
    var types = events == null || events.isEmpty() ? DEFAULT_EVENTS : List.copyOf(new java.util.LinkedHashSet<>(events));
    for (var type : types) {
      if (!EVENT_TYPES.contains(type)) {
        throw new InvalidWebhookException("events", "unknown event type '%s'; the types are %s".formatted(type, EVENT_TYPES));
      }
    }
    if (secret != null) {
      try {
        StandardWebhooks.checkSecret(secret);
      } catch (IllegalArgumentException e) {
        throw new InvalidWebhookException("secret", e.getMessage());
      }
    }
    if (webhooks.countOf(gatewayId) >= properties.maxPerGateway()) {
      throw new InvalidWebhookException("url", "a gateway may register at most %d webhooks".formatted(properties.maxPerGateway()));
    }
    var webhook = new Webhook("wh_" + UUID.randomUUID().toString().replace("-", ""), gatewayId, url, types,
        secret == null ? StandardWebhooks.newSecret() : secret, clock.instant());
    webhooks.create(webhook);
    knownAt = 0;
    return webhook;
  }

  public Optional<Webhook> find(String id) {
    return webhooks.find(id);
  }

  /** A gateway's webhooks, or with an empty gateway every webhook. */
  public List<Webhook> list(Optional<String> gatewayId) {
    return webhooks.list(gatewayId);
  }

  public void delete(String id) {
    webhooks.delete(id);
    knownAt = 0;
  }

  public Page<WebhookDelivery> deliveries(String webhookId, Optional<DeliveryState> state, int page, int size) {
    return webhooks.deliveries(webhookId, state, page, size);
  }

  public Optional<WebhookDelivery> delivery(String webhookId, String deliveryId) {
    return webhooks.delivery(webhookId, deliveryId);
  }

  /**
   * Sends a delivery again, with the same {@code webhook-id}, after those of its experiment still
   * pending before it.
   */
  public Optional<WebhookDelivery> redeliver(String webhookId, String deliveryId) {
    var delivery = webhooks.delivery(webhookId, deliveryId);
    if (delivery.isEmpty()) {
      return delivery;
    }
    delivery.get().state().moveTo(DeliveryState.PENDING);
    var pending = webhooks.redeliver(webhookId, deliveryId, clock.millis());
    onEnqueued.run();
    return pending;
  }

  /**
   * Records a delivery for each webhook that wants each event; an event offered again (read again
   * after a crash) adds nothing.
   */
  public void accept(List<StreamEvent> events) {
    var current = current();
    if (current.isEmpty() || events.isEmpty()) {
      return;
    }
    var rows = new ArrayList<Map<String, Object>>();
    for (var event : events) {
      for (var webhook : current) {
        if ((webhook.gatewayId() == null || webhook.gatewayId().equals(event.gatewayId()))
            && webhook.events().contains(event.type()) && !event.time().isBefore(webhook.createdAt())) {
          rows.add(row(webhook, event));
        }
      }
    }
    if (!rows.isEmpty()) {
      webhooks.enqueue(rows, clock.millis());
      onEnqueued.run();
    }
  }

  /** Whether any webhook is registered, as last read; when none is, events need not be read closely. */
  public boolean anyWebhooks() {
    return !current().isEmpty();
  }

  void onEnqueued(Runnable listener) {
    this.onEnqueued = listener;
  }

  private List<Webhook> current() {
    long now = clock.millis();
    if (now - knownAt > WEBHOOKS_FRESH_MILLIS) {
      known = webhooks.list(Optional.empty());
      knownAt = now;
    }
    return known;
  }

  private Map<String, Object> row(Webhook webhook, StreamEvent event) {
    var data = new LinkedHashMap<>(event.data());
    data.put("gatewayId", event.gatewayId());
    var message = new LinkedHashMap<String, Object>();
    message.put("type", event.type());
    message.put("timestamp", event.time().toString());
    message.put("data", data);
    var row = new LinkedHashMap<String, Object>();
    row.put("id", deliveryId(webhook.id(), event.id()));
    row.put("webhookId", webhook.id());
    row.put("stream", webhook.id() + " " + event.experimentId());
    row.put("seq", event.seq());
    row.put("eventId", event.id());
    row.put("eventType", event.type());
    row.put("experimentId", event.experimentId());
    row.put("payload", json.write(message));
    return row;
  }

  /** The same for the same webhook and event, wherever and however often it is made. */
  static String deliveryId(String webhookId, String eventId) {
    try {
      var digest = MessageDigest.getInstance("SHA-256").digest((webhookId + "\n" + eventId).getBytes(StandardCharsets.UTF_8));
      return "msg_" + HexFormat.of().formatHex(digest, 0, 16);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
