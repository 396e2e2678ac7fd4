package org.weft.orchestrator.graph;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.neo4j.driver.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.DeliveryState;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.model.Webhook;
import org.weft.orchestrator.model.WebhookDelivery;

/**
 * Webhooks and their outbox. Each {@code :WebhookDelivery} is one event for one webhook, kept after
 * it ends as the delivery log. Its {@code stream} (the webhook and the experiment) and {@code seq}
 * (the event's number in the experiment) keep an experiment's events in order: only the pending
 * delivery with the lowest number in its stream is ever due. {@code nextAttemptAt} is set only
 * while a delivery is pending, so its index holds only what may be sent. Times are epoch
 * milliseconds; a webhook without a gateway stores an empty one.
 */
@Service
public class Webhooks {

  /** A pending delivery whose time has come, with what sending it needs. */
  public record Due(String id, String stream, String url, String secret, String payload, int attempts, long since) {}

  private static final String DELIVERY = """
      d.id AS id, d.webhookId AS webhookId, d.eventId AS eventId, d.eventType AS eventType,
      d.experimentId AS experimentId, d.state AS state, d.attempts AS attempts, d.createdAt AS createdAt,
      d.lastAttemptAt AS lastAttemptAt, d.nextAttemptAt AS nextAttemptAt, d.lastStatus AS lastStatus,
      d.lastError AS lastError""";

  private final Neo4jClient neo4j;

  Webhooks(Neo4jClient neo4j) {
    this.neo4j = neo4j;
  }

  public void create(Webhook webhook) {
    neo4j.query("""
        CREATE (:Webhook {id: $id, gatewayId: $gatewayId, url: $url, events: $events, secret: $secret,
                          createdAt: $createdAt})""")
        .bindAll(Map.of("id", webhook.id(), "gatewayId", Cypher.nullToEmpty(webhook.gatewayId()), "url", webhook.url(),
            "events", webhook.events(), "secret", webhook.secret(), "createdAt", webhook.createdAt().toEpochMilli()))
        .run();
  }

  public long countOf(String gatewayId) {
    return neo4j.query("MATCH (w:Webhook {gatewayId: $gatewayId}) RETURN count(w) AS n")
        .bind(Cypher.nullToEmpty(gatewayId)).to("gatewayId").fetchAs(Long.class).one().orElse(0L);
  }

  public Optional<Webhook> find(String id) {
    return neo4j.query("MATCH (w:Webhook {id: $id}) RETURN w {.*} AS w").bind(id).to("id")
        .fetchAs(Webhook.class).mappedBy((types, row) -> webhook(row.get("w"))).one();
  }

  /** Every webhook, or those of one gateway, oldest first. */
  public List<Webhook> list(Optional<String> gatewayId) {
    var query = gatewayId.isPresent()
        ? neo4j.query("MATCH (w:Webhook {gatewayId: $gatewayId}) RETURN w {.*} AS w ORDER BY w.createdAt, w.id")
            .bind(Cypher.nullToEmpty(gatewayId.get())).to("gatewayId")
        : neo4j.query("MATCH (w:Webhook) RETURN w {.*} AS w ORDER BY w.createdAt, w.id");
    return List.copyOf(query.fetchAs(Webhook.class).mappedBy((types, row) -> webhook(row.get("w"))).all());
  }

  /** Deletes a webhook and its deliveries, sent or not. */
  public void delete(String id) {
    neo4j.query("""
        MATCH (w:Webhook {id: $id})
        OPTIONAL MATCH (d:WebhookDelivery {webhookId: $id})
        DETACH DELETE w, d""").bind(id).to("id").run();
  }

  /**
   * Adds deliveries, each once however often it is offered: a delivery's id is derived from its
   * webhook and event, so an event read again after a crash finds it there.
   *
   * @param rows per delivery: id, webhookId, stream, seq, eventId, eventType, experimentId, payload
   */
  public void enqueue(List<Map<String, Object>> rows, long now) {
    if (rows.isEmpty()) {
      return;
    }
    neo4j.query("""
        UNWIND $rows AS r
        MERGE (d:WebhookDelivery {id: r.id})
        ON CREATE SET d += r, d.state = $pending, d.attempts = 0, d.createdAt = $now, d.since = $now,
                      d.nextAttemptAt = $now""")
        .bindAll(Map.of("rows", rows, "now", now, "pending", DeliveryState.PENDING.name())).run();
  }

  /**
   * Pending deliveries due by {@code now}, each the first pending one of its stream, leaving out the
   * streams with an attempt in flight.
   */
  public List<Due> due(long now, Set<String> busyStreams, int limit) {
    return List.copyOf(neo4j.query("""
        MATCH (d:WebhookDelivery) WHERE d.nextAttemptAt <= $now AND NOT d.stream IN $busy
          AND NOT EXISTS {
            MATCH (p:WebhookDelivery {stream: d.stream}) WHERE p.seq < d.seq AND p.nextAttemptAt IS NOT NULL
          }
        MATCH (w:Webhook {id: d.webhookId})
        RETURN d.id AS id, d.stream AS stream, w.url AS url, w.secret AS secret, d.payload AS payload,
               d.attempts AS attempts, d.since AS since
        ORDER BY d.nextAttemptAt LIMIT $limit""")
        .bindAll(Map.of("now", now, "busy", List.copyOf(busyStreams), "limit", limit))
        .fetchAs(Due.class).mappedBy((types, row) -> new Due(row.get("id").asString(), row.get("stream").asString(),
            row.get("url").asString(), row.get("secret").asString(), row.get("payload").asString(),
            row.get("attempts").asInt(), row.get("since").asLong()))
        .all());
  }

  /** Records an attempt; {@code nextAttemptAt} null ends the delivery in {@code state}. */
  public void attempted(String id, DeliveryState state, long now, Integer status, String error, Long nextAttemptAt) {
    var parameters = new HashMap<String, Object>();
    parameters.put("id", id);
    parameters.put("state", state.name());
    parameters.put("now", now);
    parameters.put("status", status);
    parameters.put("error", error);
    parameters.put("next", nextAttemptAt);
    neo4j.query("""
        MATCH (d:WebhookDelivery {id: $id})
        SET d.state = $state, d.attempts = d.attempts + 1, d.lastAttemptAt = $now, d.lastStatus = $status,
            d.lastError = $error, d.nextAttemptAt = $next""").bindAll(parameters).run();
  }

  public Optional<WebhookDelivery> delivery(String webhookId, String id) {
    return neo4j.query("MATCH (d:WebhookDelivery {id: $id, webhookId: $webhookId}) RETURN " + DELIVERY)
        .bindAll(Map.of("id", id, "webhookId", webhookId))
        .fetchAs(WebhookDelivery.class).mappedBy((types, row) -> delivery(row)).one();
  }

  /** A webhook's delivery log, newest first, optionally in one state. */
  public Page<WebhookDelivery> deliveries(String webhookId, Optional<DeliveryState> state, int page, int size) {
    var where = state.isPresent() ? " WHERE d.state = $state" : "";
    var parameters = new HashMap<String, Object>(Map.of("webhookId", webhookId, "skip", (long) page * size, "size", size));
    state.ifPresent(s -> parameters.put("state", s.name()));
    var items = neo4j.query("MATCH (d:WebhookDelivery {webhookId: $webhookId})" + where
            + " RETURN " + DELIVERY + " ORDER BY d.createdAt DESC, d.seq DESC SKIP $skip LIMIT $size")
        .bindAll(parameters).fetchAs(WebhookDelivery.class).mappedBy((types, row) -> delivery(row)).all();
    long total = neo4j.query("MATCH (d:WebhookDelivery {webhookId: $webhookId})" + where + " RETURN count(d) AS n")
        .bindAll(parameters).fetchAs(Long.class).one().orElse(0L);
    return new Page<>(List.copyOf(items), page, size, total);
  }

  /** Makes a delivery pending again, due now, its age counted from now; answers it as it is then. */
  public Optional<WebhookDelivery> redeliver(String webhookId, String id, long now) {
    return neo4j.query("""
        MATCH (d:WebhookDelivery {id: $id, webhookId: $webhookId})
        SET d.state = $pending, d.since = $now, d.nextAttemptAt = $now
        RETURN
        """ + DELIVERY)
        .bindAll(Map.of("id", id, "webhookId", webhookId, "now", now, "pending", DeliveryState.PENDING.name()))
        .fetchAs(WebhookDelivery.class).mappedBy((types, row) -> delivery(row)).one();
  }

  private static Webhook webhook(Value w) {
    var gateway = w.get("gatewayId").asString();
    return new Webhook(w.get("id").asString(), gateway.isEmpty() ? null : gateway, w.get("url").asString(),
        w.get("events").asList(Value::asString), w.get("secret").asString(),
        Instant.ofEpochMilli(w.get("createdAt").asLong()));
  }

  private static WebhookDelivery delivery(org.neo4j.driver.types.MapAccessor row) {
    return new WebhookDelivery(row.get("id").asString(), row.get("webhookId").asString(), row.get("eventId").asString(),
        row.get("eventType").asString(), row.get("experimentId").asString(),
        DeliveryState.valueOf(row.get("state").asString()), row.get("attempts").asInt(),
        millis(row.get("createdAt")), millis(row.get("lastAttemptAt")), millis(row.get("nextAttemptAt")),
        row.get("lastStatus").isNull() ? null : row.get("lastStatus").asInt(),
        row.get("lastError").isNull() ? null : row.get("lastError").asString());
  }

  private static Instant millis(Value value) {
    return value.isNull() ? null : Instant.ofEpochMilli(value.asLong());
  }
}
