package org.weft.orchestrator.engine;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * What each gateway may have running and submit, so that one gateway's burst cannot crowd the
 * others out. Applies to gateways calling with tokens; the local mode has none. {@code 0} is no
 * limit.
 *
 * @param maxRunning           experiments of one gateway not yet ended (default {@code 2000})
 * @param submissionsPerMinute submissions of one gateway per minute, on each instance; a gateway may
 *                             use a minute's worth at once (default {@code 1200})
 * @param gateways             the same two, for a gateway by its id, where it differs
 */
@ConfigurationProperties("weft.limits")
public record LimitProperties(
    @DefaultValue("2000") int maxRunning,
    @DefaultValue("1200") int submissionsPerMinute,
    Map<String, Quota> gateways) {

  /** One gateway's limits; a value left out is the default's. */
  public record Quota(Integer maxRunning, Integer submissionsPerMinute) {}

  public LimitProperties {
    gateways = gateways == null ? Map.of() : Map.copyOf(gateways);
  }

  int maxRunningOf(String gateway) {
    var quota = gateways.get(gateway);
    return quota != null && quota.maxRunning() != null ? quota.maxRunning() : maxRunning;
  }

  int submissionsPerMinuteOf(String gateway) {
    var quota = gateways.get(gateway);
    return quota != null && quota.submissionsPerMinute() != null ? quota.submissionsPerMinute() : submissionsPerMinute;
  }
}
