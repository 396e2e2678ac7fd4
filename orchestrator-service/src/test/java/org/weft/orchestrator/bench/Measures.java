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

  /** A live thread's name and CPU time, by thread id. */
  record ThreadCpu(String name, long nanos) {}

  /** The CPU time of every live thread, by thread id. */
  static Map<Long, ThreadCpu> threadCpuNanos() {
    var threads = ManagementFactory.getThreadMXBean();
    var byId = new HashMap<Long, ThreadCpu>();
    for (var info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null) {
        byId.put(info.getThreadId(),
            new ThreadCpu(info.getThreadName(), Math.max(0, threads.getThreadCpuTime(info.getThreadId()))));
      }
    }
    return byId;
  }

  /**
   * The kinds of thread (names without their digits, so that a pool counts as one) that took the
   * most CPU between two {@link #threadCpuNanos()} readings, in milliseconds divided by
   * {@code units}, the largest first; then what the process took besides the threads alive at the
   * second reading ({@code processNanos} over the same time): the JIT compiler, the garbage
   * collector, threads that ended in between.
   */
  static String topThreads(Map<Long, ThreadCpu> before, Map<Long, ThreadCpu> after, int count, double units,
      long processNanos) {
    var byKind = new HashMap<String, Long>();
    after.forEach((id, thread) -> byKind.merge(thread.name().replaceAll("\\d+", "#"),
        thread.nanos() - (before.containsKey(id) ? before.get(id).nanos() : 0), Long::sum));
    long threads = byKind.values().stream().mapToLong(Long::longValue).sum();
    return byKind.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(count)
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
