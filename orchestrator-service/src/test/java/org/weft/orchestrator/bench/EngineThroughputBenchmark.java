package org.weft.orchestrator.bench;

import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.bench.Measures.compileMillis;
import static org.weft.orchestrator.bench.Measures.percentile;
import static org.weft.orchestrator.bench.Measures.processCpuNanos;
import static org.weft.orchestrator.bench.Measures.threadCpuNanos;
import static org.weft.orchestrator.bench.Measures.topThreads;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import jdk.jfr.Configuration;
import jdk.jfr.Recording;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;

/**
 * The engine's floor, not what users run ({@link RealPathBenchmark} measures that): a
 * 10-task chain and a 10-task diamond
 * (1 → 8 → 1), with a worker that answers at once, run as a burst of experiments (throughput) and a
 * few at a time (task-to-task latency: predecessor's result handed to the worker's producer →
 * successor's dispatch out of the worker's poll). Prints the figures; asserts nothing about time.
 */
@WeftIntegrationTest
class EngineThroughputBenchmark {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(EngineThroughputBenchmark.class);

  private static final int BURST = Integer.getInteger("weft.bench.burst", 200);
  private static final int SEQUENTIAL = Integer.getInteger("weft.bench.sequential", 20);
  /** Bursts of each shape: the figures printed are their medians, the machine being shared and noisy. */
  private static final int BURSTS = Integer.getInteger("weft.bench.bursts", 3);
  private static final int CLIENTS = Integer.getInteger("weft.bench.clients", 32);
  private static final int WARM_UP = Integer.getInteger("weft.bench.warm-up", 100);
  private static final String PROFILE = System.getProperty("weft.bench.profile");
  private static final int MIN_WARM_UP_ROUNDS = Integer.getInteger("weft.bench.warm-up.min-rounds", 10);
  private static final int MAX_WARM_UP_ROUNDS = Integer.getInteger("weft.bench.warm-up.max-rounds", 120);
  /** The share of a warm-up round's time below which the JIT compiler counts as mostly done. */
  private static final double COMPILED = 0.3;

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  MeterRegistry meters;

  @Test
  void chainAndDiamond() throws Exception {
    var api = new Api(port);
    templates.register(chain(), TemplateParser.Format.YAML);
    templates.register(diamond(), TemplateParser.Format.YAML);
    var report = new StringBuilder("\n===== Weft engine floor: an ideal worker in the orchestrator JVM, not the path users run (%d cores) =====\n"
        .formatted(Runtime.getRuntime().availableProcessors()));
    TestWorker.Behaviour answering = dispatch -> TestWorker.success(dispatch, "bench-worker");
    Recording recording = null;
    try (var worker = new TestWorker(kafka, "bench-worker", answering)) {
      report.append(warmUp(api));
      recording = profile();
      for (var shape : List.of("bench-chain", "bench-diamond")) {
        var latencies = new ArrayList<Double>();
        var fanIn = new ArrayList<Double>();
        var others = new ArrayList<Double>();
        var batches = meters.get("weft.engine.results.batch").timer();
        long batchesBefore = batches.count();
        double batchTimeBefore = batches.totalTime(TimeUnit.MILLISECONDS);
        for (int i = 0; i < SEQUENTIAL; i++) {
          var id = runAll(api, shape, 1).get(0);
          latencies.addAll(taskToTask(worker, id, fanIn, others));
        }
        double batchMeanAlone = (batches.totalTime(TimeUnit.MILLISECONDS) - batchTimeBefore)
            / Math.max(1, batches.count() - batchesBefore);
        var rates = new ArrayList<Double>();
        var cpus = new ArrayList<Double>();
        var submissions = new ArrayList<Double>();
        var compiling = new ArrayList<Double>();
        var threadTops = new ArrayList<String>();
        for (int b = 0; b < BURSTS; b++) {
          long cpuBefore = processCpuNanos();
          long compilingBefore = compileMillis();
          var threadsBefore = threadCpuNanos();
          long start = System.nanoTime();
          var submitted = new long[1];
          runAll(api, shape, BURST, submitted);
          double seconds = (System.nanoTime() - start) / 1e9;
          rates.add(BURST * 10 / seconds);
          long cpu = processCpuNanos() - cpuBefore;
          cpus.add(cpu / 1e6 / (BURST * 10));
          compiling.add((compileMillis() - compilingBefore) / 1e3 / seconds);
          var threadsAfter = threadCpuNanos();
          threadTops.add(topThreads(threadsBefore, threadsAfter, 10, BURST * 10, cpu));
          submissions.add((submitted[0] - start) / 1e9);
        }
        report.append("%-14s burst of %d experiments submitted by %d clients at once in %.1f s (median of %d)%n"
            .formatted(shape, BURST, CLIENTS, median(submissions), BURSTS));
        report.append("%-14s burst of %d experiments (%,d tasks): %7.1f task completions/s (median of %d: %s)%n"
            .formatted(shape, BURST, BURST * 10, median(rates), BURSTS, joined(rates, "%.0f")));
        report.append("%-14s CPU per task completed in the burst (whole JVM, all cores): %.2f ms (median of %d: %s)%n"
            .formatted(shape, median(cpus), BURSTS, joined(cpus, "%.2f")));
        report.append("%-14s JIT compiling during the burst: %.2f s per second of it (median of %d: %s)%n"
            .formatted(shape, median(compiling), BURSTS, joined(compiling, "%.2f")));
        report.append("%-14s CPU per task by thread, ms (last burst): %s%n"
            .formatted(shape, threadTops.get(BURSTS - 1)));
        Collections.sort(latencies);
        report.append("%-14s task-to-task latency, one experiment at a time: p50 %5.1f ms  p90 %5.1f ms  p99 %5.1f ms%n"
            .formatted(shape, percentile(latencies, 50), percentile(latencies, 90), percentile(latencies, 99)));
        if (!fanIn.isEmpty()) {
          Collections.sort(fanIn);
          Collections.sort(others);
          report.append("%-14s of which into a node with several predecessors: p50 %5.1f ms, the others p50 %5.1f ms%n"
              .formatted(shape, percentile(fanIn, 50), percentile(others, 50)));
        }
        report.append("%-14s result transaction, one experiment at a time: mean %.1f ms (commit included)%n"
            .formatted(shape, batchMeanAlone));
        var split = split(api, worker, answering, shape);
        report.append("%-14s CPU per task, a burst in two steps: creating and launching %.2f ms, executing %.2f ms%n"
            .formatted(shape, split[0], split[1]));
      }
    }
    if (recording != null) {
      recording.stop();
      recording.dump(Path.of(PROFILE));
      recording.close();
      report.append("profile of the measured part (JFR): %s%n".formatted(PROFILE));
    }
    for (var name : List.of("weft.engine.launch", "weft.engine.results.batch", "weft.engine.send")) {
      var timer = meters.get(name).timer();
      report.append("%-26s %,7d times, mean %6.2f ms, max %7.1f ms%n".formatted(name, timer.count(),
          timer.mean(TimeUnit.MILLISECONDS), timer.max(TimeUnit.MILLISECONDS)));
    }
    var sizes = meters.get("weft.engine.results.batch.size").summary();
    report.append("results per batch: mean %.1f, max %.0f%n".formatted(sizes.mean(), sizes.max()));
    report.append("peak RSS of the JVM (servers, orchestrator, worker): %,d MiB%n".formatted(Rss.peakMib()));
    report.append("==============================================================\n");
    log.info("{}", report);
  }

  private List<String> runAll(Api api, String type, int count) throws Exception {
    return runAll(api, type, count, new long[1]);
  }

  /** Submits {@code count} experiments from {@link #CLIENTS} gateway threads at once and waits for them all. */
  private List<String> runAll(Api api, String type, int count, long[] submittedAt) throws Exception {
    var ids = submitAll(api, type, count);
    submittedAt[0] = System.nanoTime();
    awaitCompleted(ids);
    return ids;
  }

  /** Submits {@code count} experiments from {@link #CLIENTS} gateway threads at once. */
  private List<String> submitAll(Api api, String type, int count) throws Exception {
    var ids = Collections.synchronizedList(new ArrayList<String>());
    var clients = Executors.newFixedThreadPool(Math.min(CLIENTS, count));
    try {
      var submissions = new ArrayList<Future<?>>();
      for (int i = 0; i < count; i++) {
        submissions.add(clients.submit(() -> ids.add(api.submit("{\"experimentType\": \"" + type + "\"}"))));
      }
      for (var submission : submissions) {
        submission.get();
      }
    } finally {
      clients.shutdownNow();
    }
    return ids;
  }

  /**
   * Runs both shapes until the JIT compiler has mostly finished (two rounds in a row in which it
   * spent less than {@link #COMPILED} of the round's time compiling; at least 10 rounds, at most
   * 120): the figures are those of an orchestrator that has been up for a while. Neo4j, the Kafka
   * broker, ZooKeeper and the orchestrator share this JVM, and on 2 cores the compiler goes on
   * compiling their code for minutes. In one run of 100 rounds the round times fell from 17 s to
   * about 3 s within 10 rounds and stayed near 2.5 s until round 60, while the compiler spent about
   * a second per second compiling; then the compiling fell, to under half the round's time in most
   * rounds after round 70, and the rounds to about 1.8 s. A rule that waited only for the first
   * plateau (10 rounds) measured the chain at 600–700 completions/s; the run of 100 rounds measured
   * it at 1,086/s. Every round's time and compiling time is printed.
   */
  private String warmUp(Api api) throws Exception {
    var rounds = new ArrayList<String>();
    int quiet = 0;
    while (rounds.size() < MAX_WARM_UP_ROUNDS && (rounds.size() < MIN_WARM_UP_ROUNDS || quiet < 2)) {
      long start = System.nanoTime();
      long compiling = compileMillis();
      runAll(api, "bench-chain", WARM_UP);
      runAll(api, "bench-diamond", WARM_UP);
      double seconds = (System.nanoTime() - start) / 1e9;
      double compiled = (compileMillis() - compiling) / 1e3;
      rounds.add("%.1f (%.1f)".formatted(seconds, compiled));
      quiet = compiled < COMPILED * seconds ? quiet + 1 : 0;
    }
    return "warm-up: %d rounds of %d experiments of each shape; each round's time in s (JIT compiling in s):%n  %s%n"
        .formatted(rounds.size(), WARM_UP, String.join("  ", rounds));
  }

  /** A flight recording of what follows the warm-up, when {@code weft.bench.profile} names a file. */
  private static Recording profile() throws Exception {
    if (PROFILE == null) {
      return null;
    }
    var recording = new Recording(Configuration.getConfiguration("default"));
    recording.start();
    return recording;
  }

  /**
   * Waits until every experiment has completed, asking only about those that had not at the last
   * look, and not too often: the benchmark's own reads must not weigh on the figures (polling all
   * of a burst's experiments every 50 ms cost more CPU than the engine's result consumer).
   */
  private void awaitCompleted(List<String> ids) {
    var remaining = new ArrayList<>(ids);
    await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(100)).until(() -> {
      remaining.retainAll(neo4j.query("""
              MATCH (e:Experiment) WHERE e.id IN $ids AND e.state <> 'COMPLETED' RETURN e.id AS id""")
          .bind(remaining).to("ids").fetchAs(String.class).all());
      return remaining.isEmpty();
    });
  }

  /**
   * CPU per task spent creating and launching a burst of experiments (REST, live DAGs, claims, root
   * dispatches received by a worker that holds them), then executing them once the worker answers.
   */
  private double[] split(Api api, TestWorker worker, TestWorker.Behaviour answering, String shape) throws Exception {
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behave(dispatch -> {
      held.add(dispatch);
      return null;
    });
    long start = processCpuNanos();
    var ids = submitAll(api, shape, BURST);
    await().atMost(Duration.ofMinutes(20)).pollInterval(Duration.ofMillis(20)).until(() -> held.size() >= BURST);
    long launched = processCpuNanos();
    worker.behave(answering);
    held.forEach(dispatch -> worker.send(answering.apply(dispatch)));
    awaitCompleted(ids);
    long done = processCpuNanos();
    return new double[] {(launched - start) / 1e6 / (BURST * 10), (done - launched) / 1e6 / (BURST * 10)};
  }

  /**
   * For every node with predecessors: when its dispatch came out of the worker's poll minus when the
   * result of its last predecessor went to the worker's producer. The dispatches of one poll count
   * as consumed together: the eight of the diamond's fan-out arrive in one poll, and the time the
   * test worker then takes to answer the first ones is not the orchestrator's. Each is also added
   * to {@code fanIn} for a node with several predecessors (the diamond's bottom), to {@code others}
   * for the rest.
   */
  private List<Double> taskToTask(TestWorker worker, String experimentId, List<Double> fanIn,
      List<Double> others) {
    var latencies = new ArrayList<Double>();
    var edges = neo4j.query("""
            MATCH (a:TaskNode {experimentId: $id})-[:NEXT]->(b:TaskNode) RETURN a.id AS a, b.id AS b""")
        .bind(experimentId).to("id").fetch().all();
    var lastPredecessor = new HashMap<String, Long>();
    var predecessors = new HashMap<String, Integer>();
    for (var edge : edges) {
      lastPredecessor.merge((String) edge.get("b"), worker.producedAt((String) edge.get("a")), Math::max);
      predecessors.merge((String) edge.get("b"), 1, Integer::sum);
    }
    lastPredecessor.forEach((node, predecessor) -> {
      double latency = (worker.consumedAt(node) - predecessor) / 1e6;
      latencies.add(latency);
      (predecessors.get(node) > 1 ? fanIn : others).add(latency);
    });
    return latencies;
  }

  private static double median(List<Double> values) {
    var sorted = values.stream().sorted().toList();
    return sorted.get(sorted.size() / 2);
  }

  private static String joined(List<Double> values, String format) {
    return String.join(" / ", values.stream().map(value -> format.formatted(value)).toList());
  }

  private static String chain() {
    var yaml = new StringBuilder("type: bench-chain\ntasks:\n  - {key: t0, taskType: env-setup}\n");
    for (int i = 1; i < 10; i++) {
      yaml.append("  - {key: t").append(i).append(", taskType: env-setup, dependsOn: [t").append(i - 1).append("]}\n");
    }
    return yaml.toString();
  }

  private static String diamond() {
    var yaml = new StringBuilder("type: bench-diamond\ntasks:\n  - {key: top, taskType: env-setup}\n");
    var middle = new ArrayList<String>();
    for (int i = 1; i <= 8; i++) {
      yaml.append("  - {key: m").append(i).append(", taskType: env-setup, dependsOn: [top]}\n");
      middle.add("m" + i);
    }
    yaml.append("  - {key: bottom, taskType: env-setup, dependsOn: [").append(String.join(", ", middle)).append("]}\n");
    return yaml.toString();
  }
}
