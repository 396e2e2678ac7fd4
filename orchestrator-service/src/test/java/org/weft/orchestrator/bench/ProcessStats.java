package org.weft.orchestrator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * What Linux reports of another process: its CPU time and its peak resident memory, read from
 * {@code /proc}, so that a benchmark measures the service it drives from outside, not itself.
 */
final class ProcessStats {

  private static final long TICKS_PER_SECOND = 100; // USER_HZ on Linux

  private ProcessStats() {}

  /** User and system CPU time of process {@code pid} and its threads, in nanoseconds. */
  static long cpuNanos(long pid) {
    try {
      var stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
      // the fields after the command name, which is in parentheses and may hold spaces
      var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return ticks * 1_000_000_000L / TICKS_PER_SECOND;
    } catch (IOException e) {
      return 0;
    }
  }

  /**
   * CPU time of process {@code pid}'s threads in nanoseconds, summed by name: Linux keeps the first
   * 15 characters of a Java thread's name, and a trailing number ({@code GC Thread#1},
   * {@code pool-2-thread-3}) is dropped so that a pool counts as one.
   */
  static Map<String, Long> cpuNanosByThread(long pid) {
    var byName = new HashMap<String, Long>();
    try (var threads = Files.list(Path.of("/proc", String.valueOf(pid), "task"))) {
      for (var thread : threads.toList()) {
        try {
          var stat = Files.readString(thread.resolve("stat"));
          var name = stat.substring(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replaceAll("[-#]?\\d+$", "");
          var fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
          long ticks = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
          byName.merge(name, ticks * 1_000_000_000L / TICKS_PER_SECOND, Long::sum);
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    } catch (IOException e) {
      // gone
    }
    return byName;
  }

  /** The peak resident set size of process {@code pid} (VmHWM) in MiB, or its current one (VmRSS). */
  static long rssMib(long pid, boolean peak) {
    try {
      var key = peak ? "VmHWM:" : "VmRSS:";
      for (var line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith(key)) {
          return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]) / 1024;
        }
      }
    } catch (IOException e) {
      // gone
    }
    return 0;
  }
}
