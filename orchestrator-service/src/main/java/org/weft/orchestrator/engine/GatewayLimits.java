package org.weft.orchestrator.engine;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.graph.LiveDags;

/**
 * Admits a gateway's submission when the gateway is within its limits: a token bucket per gateway
 * for the rate, and the count of its experiments not yet ended, read from Neo4j at most once a
 * second per gateway and raised by what this instance admitted since.
 */
@Component
class GatewayLimits {

  private static final long COUNT_AGE_NANOS = Duration.ofSeconds(1).toNanos();

  private final LimitProperties properties;
  private final LiveDags liveDags;
  private final EngineProperties engine;
  private final Map<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final Map<String, Count> counts = new ConcurrentHashMap<>();

  GatewayLimits(LimitProperties properties, LiveDags liveDags, EngineProperties engine) {
    this.properties = properties;
    this.liveDags = liveDags;
    this.engine = engine;
  }

  /** @throws GatewayLimitException when the gateway is at one of its limits */
  void admit(String gateway) {
    int perMinute = properties.submissionsPerMinuteOf(gateway);
    if (perMinute > 0) {
      var bucket = buckets.computeIfAbsent(gateway, g -> new Bucket(perMinute));
      long waitNanos = bucket.take(perMinute);
      if (waitNanos > 0) {
        throw new GatewayLimitException("Gateway '%s' has submitted %d experiments in the last minute, its limit (weft.limits)"
            .formatted(gateway, perMinute), Duration.ofNanos(waitNanos));
      }
    }
    int maxRunning = properties.maxRunningOf(gateway);
    if (maxRunning > 0) {
      var count = counts.compute(gateway, (g, known) -> known == null || System.nanoTime() - known.at > COUNT_AGE_NANOS
          ? new Count(liveDags.countActive(g), System.nanoTime()) : known);
      synchronized (count) {
        if (count.running >= maxRunning) {
          throw new GatewayLimitException("Gateway '%s' has %d experiments running, its limit (weft.limits); submit again once some have ended"
              .formatted(gateway, count.running), engine.retryAfter());
        }
        count.running++;
      }
    }
  }

  private static final class Count {
    long running;
    final long at;

    Count(long running, long at) {
      this.running = running;
      this.at = at;
    }
  }

  /** Holds up to a minute's worth of submissions and refills continuously. */
  private static final class Bucket {
    private double tokens;
    private long refilledAt = System.nanoTime();

    Bucket(int perMinute) {
      this.tokens = perMinute;
    }

    /** Takes one token; returns 0, or how long until one is there. */
    synchronized long take(int perMinute) {
      long now = System.nanoTime();
      double nanosPerToken = 60e9 / perMinute;
      tokens = Math.min(perMinute, tokens + (now - refilledAt) / nanosPerToken);
      refilledAt = now;
      if (tokens >= 1) {
        tokens -= 1;
        return 0;
      }
      return (long) Math.ceil((1 - tokens) * nanosPerToken);
    }
  }
}
