package org.weft.orchestrator.bench;

import java.lang.management.ManagementFactory;
import java.util.List;

/** What the benchmarks measure with: CPU time and percentiles. */
final class Measures {

  private Measures() {}

  /** CPU time of this JVM on all cores: a figure that a machine shared with other work disturbs less than time. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** The {@code p}th percentile of values sorted ascending; NaN when there are none. */
  static double percentile(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p / 100.0) - 1));
  }
}
