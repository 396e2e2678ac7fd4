package org.weft.orchestrator.notify;

import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Webhook deliveries.
 *
 * @param maxAge        how long a delivery is retried, counted from when it was made (or asked to
 *                      be delivered again), before it is marked failed (default {@code 24h})
 * @param firstRetry    the wait after the first failed attempt; each further one doubles it (default
 *                      {@code 5s})
 * @param longestRetry  the longest wait between two attempts (default {@code 1h})
 * @param timeout       how long an endpoint has to connect and answer (default {@code 10s})
 * @param concurrency   deliveries in flight at once, over all endpoints (default {@code 16})
 * @param poll          how often the sender looks for deliveries due to be retried (default
 *                      {@code 2s}); new events are sent at once
 * @param allowedHosts  host names and CIDR blocks a webhook URL may name although they are
 *                      loopback, private or link-local (default none)
 * @param maxPerGateway webhooks one gateway may register (default {@code 20})
 */
@ConfigurationProperties("weft.webhooks")
public record WebhookProperties(
    @DefaultValue("24h") Duration maxAge,
    @DefaultValue("5s") Duration firstRetry,
    @DefaultValue("1h") Duration longestRetry,
    @DefaultValue("10s") Duration timeout,
    @DefaultValue("16") int concurrency,
    @DefaultValue("2s") Duration poll,
    List<String> allowedHosts,
    @DefaultValue("20") int maxPerGateway) {

  public WebhookProperties {
    allowedHosts = allowedHosts == null ? List.of() : List.copyOf(allowedHosts);
    if (concurrency < 1 || maxPerGateway < 1) {
      throw new IllegalArgumentException("weft.webhooks.concurrency and max-per-gateway must be 1 or more");
    }
  }

  /** The wait after {@code attempts} failed attempts: doubling from the first, at most the longest. */
  public Duration retryAfter(int attempts) {
    var wait = firstRetry;
    for (int i = 1; i < attempts && wait.compareTo(longestRetry) < 0; i++) {
      wait = wait.multipliedBy(2);
    }
    return wait.compareTo(longestRetry) > 0 ? longestRetry : wait;
  }
}
