package org.weft.orchestrator.lifecycle;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * When a speculative node's attempt is a straggler worth a replica: it has run longer than the
 * policy's minimum and longer than {@code multiplier} times the median of what its finished
 * siblings took (the other nodes of its template task: members of the same {@code forEach}), once
 * enough of them have finished for the median to mean something. Pure: decided from durations read
 * by the owner's timers.
 */
public final class Speculation {

  private Speculation() {}

  /**
   * @param multiplier how many times the median of its finished siblings an attempt must run
   * @param minimumMs  how long it must run at least, whatever its siblings took
   * @param quantile   the share of its siblings that must have finished first, at least one
   */
  public record Policy(double multiplier, long minimumMs, double quantile) {

    public Policy {
      if (!(multiplier >= 1) || minimumMs < 0 || !(quantile > 0 && quantile <= 1)) {
        throw new IllegalArgumentException("A speculation policy needs multiplier >= 1, minimum >= 0 and 0 < quantile <= 1");
      }
    }
  }

  /**
   * Why the attempt is a straggler, or empty when it is not (yet).
   *
   * @param elapsedMs how long the attempt has run
   * @param siblings  how many siblings the node has, finished or not
   * @param finished  how long each finished sibling's successful attempt took
   */
  public static Optional<String> straggling(long elapsedMs, int siblings, List<Long> finished, Policy policy) {
    if (elapsedMs < policy.minimumMs() || finished.isEmpty()
        || finished.size() < Math.ceil(policy.quantile() * siblings)) {
      return Optional.empty();
    }
    long median = median(finished);
    if (elapsedMs <= policy.multiplier() * median) {
      return Optional.empty();
    }
    return Optional.of("its attempt has run %s, over %s times the median %s of its %d finished siblings"
        .formatted(rounded(elapsedMs), trimmed(policy.multiplier()), rounded(median), finished.size()));
  }

  static long median(List<Long> durations) {
    var sorted = durations.stream().sorted().toList();
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  private static String rounded(long ms) {
    return Duration.ofMillis(ms / 100 * 100).toString();
  }

  private static String trimmed(double value) {
    return value == Math.rint(value) ? String.valueOf((long) value) : String.valueOf(value);
  }
}
