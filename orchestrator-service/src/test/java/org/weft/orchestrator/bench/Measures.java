package org.weft.orchestrator.bench;

import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** What the benchmarks measure with: CPU time and percentiles. */
final class Measures {

  private Measures() {}

  /** CPU time of this JVM on all cores: a figure that a machine shared with other work disturbs less than time. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /**
   * CPU time of the live threads by kind: their names with the digits left out, so that a pool's
   * threads count together.
   */
  static Map<String, Long> threadCpuNanos() {
    var threads = ManagementFactory.getThreadMXBean();
    var byKind = new HashMap<String, Long>();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        byKind.merge(info.getThreadName().replaceAll("\\d+", "#"),
            Math.max(0, threads.getThreadCpuTime(info.getThreadId())), Long::sum);
      }
    }
    return byKind;
  }

  /**
   * The kinds of thread that took the most CPU between two {@link #threadCpuNanos()} readings, in
   * milliseconds per {@code unit}, the largest first, then what the process took besides its live
   * Java threads ({@code processNanos} over the same time): the JIT compiler, the garbage
   * collector, threads that ended in between.
   */
  static String topThreads(Map<String, Long> before, Map<String, Long> after, int count, double units,
      long processNanos) {
    var deltas = after.entrySet().stream()
        .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .toList();
    long threads = deltas.stream().mapToLong(Map.Entry::getValue).sum();
    return deltas.stream().limit(count)
        .map(e -> "%s %.2f".formatted(e.getKey(), e.getValue() / 1e6 / units))
        .collect(Collectors.joining(", ", "", ", JIT, GC and ended threads %.2f".formatted(
            (processNanos - threads) / 1e6 / units)));
  }

  /**
   * Milliseconds the JIT compiler threads have spent compiling since the JVM started (their elapsed
   * time, summed over the threads, as the JVM reports it).
   */
  static long compileMillis() {
    return ManagementFactory.getCompilationMXBean().getTotalCompilationTime();
  }

  /** The {@code p}th percentile of values sorted ascending; NaN when there are none. */
  static double percentile(List<Double> sorted, int p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(sorted.size() * p / 100.0) - 1));
  }
}
