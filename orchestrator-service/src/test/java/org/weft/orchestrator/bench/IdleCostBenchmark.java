package org.weft.orchestrator.bench;

import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.bench.Measures.processCpuNanos;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * What an orchestrator costs while its experiments run and nothing happens: long jobs on a cluster,
 * their attempts in flight, no result due for an hour. Its timers look for timed-out attempts and
 * due retries every tick and its reconciliation checks owners every few seconds; that work must
 * not grow into cores as thousands of experiments run. Prints the CPU of the whole JVM (servers
 * included) and of the engine's timer thread, over a quiet stretch, with more and more experiments
 * running; asserts nothing about time.
 */
@WeftIntegrationTest
class IdleCostBenchmark {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(IdleCostBenchmark.class);

  private static final int[] RUNNING = {0, 500, 2_000};
  private static final Duration QUIET = Duration.ofSeconds(10);
  private static final Duration SETTLE = Duration.ofSeconds(5);

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  @Test
  void cpuWhileExperimentsRunAndNothingHappens() throws Exception {
    var api = new Api(port);
    var yaml = new StringBuilder("type: bench-long\ntasks:\n  - {key: t0, taskType: env-setup, heartbeatTimeout: PT1H}\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("  - {key: t").append(i).append(", taskType: env-setup, heartbeatTimeout: PT1H, dependsOn: [t")
          .append(i - 1).append("]}\n");
    }
    templates.register(yaml.toString(), TemplateParser.Format.YAML);
    var report = new StringBuilder("\n===== Weft idle cost (embedded default, %d cores) =====\n"
        .formatted(Runtime.getRuntime().availableProcessors()));
    var threads = ManagementFactory.getThreadMXBean();
    var held = new AtomicInteger();
    // a worker that takes every dispatch and never answers: the jobs are running
    try (var worker = new TestWorker(kafka, "bench-idle-worker", dispatch -> {
      held.incrementAndGet();
      return null;
    })) {
      var clients = Executors.newFixedThreadPool(16);
      try {
        int running = 0;
        for (int target : RUNNING) {
          var submissions = new ArrayList<Future<?>>();
          for (; running < target; running++) {
            submissions.add(clients.submit(() -> api.submit("{\"experimentType\": \"bench-long\"}")));
          }
          for (var submission : submissions) {
            submission.get();
          }
          int expected = target;
          await().atMost(Duration.ofMinutes(5)).until(() -> held.get() >= expected);
          // settled: every root dispatched and taken, nothing more coming
          await().during(SETTLE).atMost(SETTLE.multipliedBy(3)).until(() -> held.get() == expected);
          long engineBefore = threadCpu(threads, "weft-engine");
          long jvmBefore = processCpuNanos();
          await().during(QUIET).atMost(QUIET.multipliedBy(3)).until(() -> held.get() == expected);
          double quietNanos = QUIET.toNanos();
          report.append("%,6d experiments running, nothing due: JVM %5.1f %% of a core, engine timers %5.1f %%%n"
              .formatted(target, 100 * (processCpuNanos() - jvmBefore) / quietNanos,
                  100 * (threadCpu(threads, "weft-engine") - engineBefore) / quietNanos));
        }
      } finally {
        clients.shutdownNow();
      }
    }
    report.append("==============================================================\n");
    log.info("{}", report);
  }

  private static long threadCpu(ThreadMXBean threads, String name) {
    long sum = 0;
    for (var info : threads.dumpAllThreads(false, false)) {
      if (info.getThreadName().equals(name)) {
        sum += threads.getThreadCpuTime(info.getThreadId());
      }
    }
    return sum;
  }
}
