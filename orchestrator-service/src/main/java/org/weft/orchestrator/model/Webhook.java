package org.weft.orchestrator.model;

import java.time.Instant;
import java.util.List;

/**
 * A gateway's endpoint for events.
 *
 * @param gatewayId the gateway whose experiments' events it receives; null for an operator's
 *                  webhook without a gateway, which receives every experiment's
 * @param events    the event types it receives ({@code experiment.state}, {@code task.state})
 * @param secret    the signing key, {@code whsec_...}; shown only when the webhook is made
 */
public record Webhook(String id, String gatewayId, String url, List<String> events, String secret, Instant createdAt) {

  public Webhook {
    events = List.copyOf(events);
  }

  public Webhook withoutSecret() {
    return new Webhook(id, gatewayId, url, events, null, createdAt);
  }
}
