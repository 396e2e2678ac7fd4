package org.weft.orchestrator.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;

/** The peak resident memory of this JVM, from Linux's /proc. */
final class Rss {

  private Rss() {}

  static long peakMib() {
    try {
      return Files.readAllLines(Paths.get("/proc/self/status")).stream().filter(l -> l.startsWith("VmHWM:"))
          .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / 1024).findFirst().orElse(-1L);
    } catch (IOException e) {
      return -1;
    }
  }
}
