package org.weft.orchestrator.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.TaskServiceJar;
import org.weft.orchestrator.testsupport.WeftJar;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The path users run, measured from outside: Weft started as the README starts it (a separate
 * process), its shipped task microservices doing the work, experiments submitted over REST by this
 * JVM, CPU and memory read from {@code /proc} of the measured processes.
 *
 * <ul>
 *   <li>{@code -Dweft.bench.mode=all-in-one} (default): {@code ./weft run}, everything in one process;
 *   <li>{@code -Dweft.bench.mode=separate}: {@code ./weft infrastructure}, the orchestrator over Bolt
 *       with {@code weft.worker.enabled=false}, and the task type's own service, three processes.
 * </ul>
 *
 * <p>Two shapes of ten tasks of {@code -Dweft.bench.task-type} (default {@code noop}; {@code env-setup}
 * does real file work): a chain, and a diamond (one, eight in parallel, one). It prints, in order: the idle cost after start-up,
 * the cold start (the first 2,000 tasks right after the service reports up, a burst of 100
 * experiments of each shape), the warm-up, then per shape three bursts of
 * {@code -Dweft.bench.burst} experiments (default 200) submitted at once, and the task-to-task
 * latency at light load (experiments one at a time): from a node's dispatch to its result applied,
 * both as the audit trail records them. A burst reports task completions per second from its first
 * submission to its last completion, CPU per task of the measured processes, and the attempts and
 * task runs beyond one per task. Then one burst of {@code -Dweft.bench.big-burst} experiments (default
 * 2,000, half of each shape, 20,000 tasks) with the same counts, the experiments stored, and each
 * process's peak RSS.
 */
class RealPathBenchmark {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(RealPathBenchmark.class);

  private static final String MODE = System.getProperty("weft.bench.mode", "all-in-one");
  private static final String TASK_TYPE = System.getProperty("weft.bench.task-type", "noop");
  private static final int BURST = Integer.getInteger("weft.bench.burst", 200);
  private static final int BURSTS = Integer.getInteger("weft.bench.bursts", 3);
  private static final Duration WARM_UP = Duration.ofSeconds(Integer.getInteger("weft.bench.warm-up-seconds", 120));
  private static final int LIGHT_LOAD = Integer.getInteger("weft.bench.light-load", 30);
  private static final int BIG_BURST = Integer.getInteger("weft.bench.big-burst", 2000);
  private static final int SWEEP = Integer.getInteger("weft.bench.sweep", 10_000);
  private static final int FAN_OUT = Integer.getInteger("weft.bench.fan-out", 1_000);
  private static final Duration IDLE = Duration.ofSeconds(Integer.getInteger("weft.bench.idle-seconds", 60));
  private static final String JAVA_OPTS = System.getProperty("weft.bench.java-opts", "");
  private static final String JAVA_HOME = System.getProperty("weft.bench.java-home", System.getProperty("java.home"));
  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private final List<JavaProcess> processes = new ArrayList<>();
  private final Map<String, JavaProcess> measured = new LinkedHashMap<>();
  private final ExecutorService submitters = Executors.newFixedThreadPool(32);
  private String base;

  @AfterEach
  void stop() {
    submitters.shutdownNow();
    processes.forEach(JavaProcess::close);
  }

  @Test
  void realPath(@TempDir Path dir) throws Exception {
    long started = System.nanoTime();
    start(dir);
    log.info("=== Real path: {}, task type {}, up after {} s ===", MODE, TASK_TYPE,
        "%.1f".formatted((System.nanoTime() - started) / 1e9));
    if (!IDLE.isZero()) {
      idle();
    }
    register("bench-chain", chain());
    register("bench-diamond", diamond());

    var cold = burst(List.of("bench-chain", "bench-diamond"), 100);
    log.info("cold start, first 2,000 tasks: {}", cold);

    long warmUpEnd = System.nanoTime() + WARM_UP.toNanos();
    int rounds = 0;
    while (System.nanoTime() < warmUpEnd) {
      burst(List.of("bench-chain", "bench-diamond"), 100);
      rounds++;
    }
    log.info("warm-up: {} rounds of 2,000 tasks in {} s", rounds, WARM_UP.toSeconds());

    for (var shape : List.of("bench-chain", "bench-diamond")) {
      var rates = new ArrayList<Double>();
      for (int i = 0; i < BURSTS; i++) {
        var result = burst(List.of(shape), BURST);
        log.info("{} burst {}: {}", shape, i + 1, result);
        rates.add(result.tasksPerSecond());
      }
      rates.sort(null);
      log.info("{}: median {} tasks/s of {}", shape, "%.0f".formatted(rates.get(rates.size() / 2)),
          rates.stream().map(r -> "%.0f".formatted(r)).collect(Collectors.joining(", ")));
      var hops = lightLoad(shape);
      log.info("{}", "%s task-to-task latency at light load: p50 %.1f ms, p90 %.1f ms, p99 %.1f ms (%d hops)"
          .formatted(shape, Measures.percentile(hops, 50), Measures.percentile(hops, 90), Measures.percentile(hops, 99),
              hops.size()));
    }
    if (BIG_BURST > 0) {
      log.info("big burst, {} experiments of each shape at once: {}", BIG_BURST / 2,
          burst(List.of("bench-chain", "bench-diamond"), BIG_BURST / 2));
    }
    if (SWEEP > 0) {
      sweep();
    }
    if (FAN_OUT > 0) {
      fanOut();
    }
    log.info("experiments stored: {}", total("/api/v1/experiments?size=1"));
    measured.forEach((name, process) -> log.info("peak RSS {}: {} MiB (now {} MiB)", name,
        ProcessStats.rssMib(process.pid(), true), ProcessStats.rssMib(process.pid(), false)));
  }

  /**
   * Left alone right after startup: the CPU the measured processes take over {@code IDLE} (after a
   * tenth of it to settle), all of them alive throughout, and their RSS at its end.
   */
  private void idle() {
    var settle = IDLE.dividedBy(10);
    await().during(settle).atMost(settle.multipliedBy(3)).until(this::allAlive);
    long cpuBefore = cpu();
    var threadsBefore = new HashMap<String, Map<String, Long>>();
    measured.forEach((name, process) -> threadsBefore.put(name, ProcessStats.cpuNanosByThread(process.pid())));
    long start = System.nanoTime();
    await().during(IDLE).atMost(IDLE.multipliedBy(3)).until(this::allAlive);
    double seconds = (System.nanoTime() - start) / 1e9;
    double share = (cpu() - cpuBefore) / 1e9 / seconds * 100;
    var rss = measured.entrySet().stream()
        .map(e -> e.getKey() + " " + ProcessStats.rssMib(e.getValue().pid(), false) + " MiB")
        .collect(Collectors.joining(", "));
    log.info("idle for {} s after startup: {} % of a core; RSS {}", IDLE.toSeconds(), "%.1f".formatted(share), rss);
    // where it went: the busiest threads of each process, by name, in % of a core
    measured.forEach((name, process) -> {
      var before = threadsBefore.get(name);
      var busiest = ProcessStats.cpuNanosByThread(process.pid()).entrySet().stream()
          .map(e -> Map.entry(e.getKey(), e.getValue() - before.getOrDefault(e.getKey(), 0L)))
          .filter(e -> e.getValue() > 0)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(12)
          .map(e -> "%s %.2f".formatted(e.getKey(), e.getValue() / 1e9 / seconds * 100))
          .collect(Collectors.joining(", "));
      log.info("idle, {} by thread (% of a core): {}", name, busiest);
    });
  }

  private boolean allAlive() {
    return measured.values().stream().allMatch(JavaProcess::isAlive);
  }

  // ----------------------------------------------------------------------------------------------

  private void start(Path dir) {
    if ("all-in-one".equals(MODE)) {
      var args = new ArrayList<>(WeftJar.onFreePorts(dir.resolve("data")));
      args.removeIf(a -> a.startsWith("--weft.embedded.neo4j.page-cache"));
      args.add("--weft.worker.workspace=" + dir.resolve("workspace"));
      var weft = JavaProcess.command("weft", dir, launcher("run", args), environment())
          .awaitOutput("Weft orchestrator is up", STARTUP);
      processes.add(weft);
      measured.put("weft run", weft);
      base = "http://localhost:" + WeftJar.arg(args, "server.port");
      return;
    }
    int[] ports = FreePorts.take(6);
    var infrastructure = JavaProcess.command("infrastructure", dir, launcher("infrastructure", List.of(
            "--weft.embedded.data-dir=" + dir.resolve("data"),
            "--weft.embedded.zookeeper.port=" + ports[0], "--weft.embedded.kafka.port=" + ports[1],
            "--weft.embedded.kafka.controller-port=" + ports[2], "--weft.embedded.neo4j.bolt-port=" + ports[3],
            "--weft.embedded.neo4j.http-port=" + ports[4])),
        environment())
        .awaitOutput(org.weft.embedded.InfrastructureMain.READY_LINE, STARTUP);
    processes.add(infrastructure);
    measured.put("infrastructure", infrastructure);
    var zookeeper = "--weft.zookeeper.connect-string=localhost:" + ports[0];
    var kafka = "--spring.kafka.bootstrap-servers=localhost:" + ports[1];
    var orchestrator = JavaProcess.start("orchestrator", dir, List.of(), WeftJar.args(
            "--server.port=" + ports[5], "--spring.neo4j.uri=bolt://localhost:" + ports[3], zookeeper, kafka,
            "--weft.worker.enabled=false"))
        .awaitOutput("Weft orchestrator is up", STARTUP);
    processes.add(orchestrator);
    measured.put("orchestrator", orchestrator);
    var worker = TaskServiceJar.launch(TASK_TYPE, TASK_TYPE, dir, List.of(zookeeper, kafka,
        "--weft.worker.workspace=" + dir.resolve("workspace"), "--weft.worker.state-dir=" + dir.resolve("worker")));
    processes.add(worker);
    measured.put(TASK_TYPE, worker);
    base = "http://localhost:" + ports[5];
    until(() -> get("/api/v1/workers").contains(TASK_TYPE), Duration.ofMinutes(2));
  }

  /**
   * What the launcher runs with: the build there is, the test's JDK unless {@code -Dweft.bench.java-home}
   * names another, and any JAVA_OPTS asked for.
   */
  private static Map<String, String> environment() {
    return Map.of("WEFT_SKIP_BUILD", "1", "JAVA_HOME", JAVA_HOME, "JAVA_OPTS", JAVA_OPTS);
  }

  private static List<String> launcher(String command, List<String> args) {
    var all = new ArrayList<>(List.of("bash", Path.of(System.getProperty("weft.launcher", "../weft")).toAbsolutePath()
        .toString(), command));
    all.addAll(args);
    return all;
  }

  private static String chain() {
    var tasks = new StringBuilder();
    for (int i = 1; i <= 10; i++) {
      tasks.append("  - {key: t%d, taskType: %s%s}\n".formatted(i, TASK_TYPE,
          i == 1 ? "" : ", dependsOn: [t%d]".formatted(i - 1)));
    }
    return tasks.toString();
  }

  private static String diamond() {
    var tasks = new StringBuilder("  - {key: top, taskType: %s}\n".formatted(TASK_TYPE));
    for (int i = 1; i <= 8; i++) {
      tasks.append("  - {key: m%d, taskType: %s, dependsOn: [top]}\n".formatted(i, TASK_TYPE));
    }
    tasks.append("  - {key: bottom, taskType: %s, dependsOn: [m1, m2, m3, m4, m5, m6, m7, m8]}\n".formatted(TASK_TYPE));
    return tasks.toString();
  }

  private void register(String type, String tasks) {
    var response = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/master-dags"))
        .header("Content-Type", "application/yaml")
        .POST(HttpRequest.BodyPublishers.ofString("type: " + type + "\ntasks:\n" + tasks)).build());
    assertThat(response.statusCode()).as(response.body()).isIn(200, 201);
  }

  /**
   * One experiment of {@code SWEEP} nodes, nearly all members of one {@code forEach} over a list
   * input, three times: how long its submission (the instantiation in one transaction) takes, and
   * how many tasks per second it then runs to completion.
   */
  private void sweep() throws Exception {
    // the text follows "tasks:"; the inputs come after the tasks, as YAML allows
    register("bench-sweep", """
          - {key: top, taskType: %1$s}
          - {key: run, taskType: %1$s, dependsOn: [top], forEach: "${inputs.values}", params: {value: "${item}"}}
          - {key: bottom, taskType: %1$s, dependsOn: [run]}
        inputs:
          - {name: values, type: list, required: true}
        """.formatted(TASK_TYPE));
    var body = "{\"experimentType\": \"bench-sweep\", \"inputs\": {\"values\": ["
        + java.util.stream.IntStream.range(0, SWEEP - 2).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "]}}";
    for (int i = 1; i <= 3; i++) {
      long start = System.nanoTime();
      var response = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
      double created = (System.nanoTime() - start) / 1e9;
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      long failed = awaitEnded("bench-sweep");
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(failed).as("failed sweeps").isZero();
      log.info("{}", "sweep %d of %,d nodes (forEach over a list input): submitted (instantiated) in %.2f s, completed in %.2f s: %.0f tasks/s"
          .formatted(i, SWEEP, created, seconds, SWEEP / seconds));
    }
  }

  /**
   * One experiment whose middle task repeats over the {@code FAN_OUT} values its first task (a noop)
   * outputs, three times: how long the expansion takes inside the producer's transaction (the
   * orchestrator's {@code weft.dag.expansion} timer), how long from the producer's success to the
   * first member's success (the expansion committed, its dispatches sent, one run and its result
   * applied), and how many tasks per second the experiment then runs to completion.
   */
  private void fanOut() throws Exception {
    register("bench-fan-out", """
          - {key: top, taskType: noop, params: {outputs: {values: "${inputs.values}"}}}
          - {key: run, taskType: %1$s, dependsOn: [top], forEach: "${tasks.top.outputs.values}", params: {value: "${item}"}}
          - {key: bottom, taskType: %1$s, dependsOn: [run]}
        inputs:
          - {name: values, type: list, required: true}
        """.formatted(TASK_TYPE));
    var body = "{\"experimentType\": \"bench-fan-out\", \"inputs\": {\"values\": ["
        + java.util.stream.IntStream.range(0, FAN_OUT).mapToObj(Integer::toString).collect(Collectors.joining(",")) + "]}}";
    for (int i = 1; i <= 3; i++) {
      double[] before = expansionTimer();
      long start = System.nanoTime();
      var response = send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
          .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
      var id = JSON.readTree(response.body()).get("experimentId").asString();
      long failed = awaitEnded("bench-fan-out");
      double seconds = (System.nanoTime() - start) / 1e9;
      assertThat(failed).as("failed fan-outs").isZero();
      double[] after = expansionTimer();
      var nodes = JSON.readTree(get("/api/v1/experiments/" + id + "/dag")).get("nodes");
      java.time.Instant produced = null;
      java.time.Instant firstMember = null;
      int members = 0;
      for (var node : nodes) {
        var ended = java.time.Instant.parse(node.get("endedAt").asString());
        if (node.get("key").asString().equals("top")) {
          produced = ended;
        } else if (node.get("templateKey").asString().equals("run") && !node.get("member").isNull()) {
          members++;
          firstMember = firstMember == null || ended.isBefore(firstMember) ? ended : firstMember;
        }
      }
      assertThat(members).isEqualTo(FAN_OUT);
      log.info("{}", ("fan-out %d: %,d members expanded from the producer's output in %.0f ms inside its transaction; "
          + "producer's success to the first member's success %d ms; completed in %.2f s: %.0f tasks/s")
          .formatted(i, members, (after[1] - before[1]) / (after[0] - before[0]) * 1000,
              java.time.Duration.between(produced, firstMember).toMillis(), seconds, (FAN_OUT + 2) / seconds));
    }
  }

  /** The orchestrator's {@code weft.dag.expansion} timer: count and total seconds. */
  private double[] expansionTimer() {
    var text = get("/actuator/prometheus");
    return new double[] {sum(Pattern.compile("(?m)^weft_dag_expansion_seconds_count\\{?[^}\\n]*}? ([0-9.eE+-]+)$"), text),
        sum(Pattern.compile("(?m)^weft_dag_expansion_seconds_sum\\{?[^}\\n]*}? ([0-9.eE+-]+)$"), text)};
  }

  /** What one burst did. */
  record Burst(int experiments, int tasks, double seconds, double cpuMsPerTask, long failed, long extraDispatches,
      long extraRuns, long refused) {

    double tasksPerSecond() {
      return tasks / seconds;
    }

    @Override
    public String toString() {
      return "%d experiments, %d tasks in %.2f s: %.0f tasks/s, CPU %.2f ms per task, %d failed, %d dispatches and %s task runs beyond one per task, %d refused"
          .formatted(experiments, tasks, seconds, tasksPerSecond(), cpuMsPerTask, failed, extraDispatches,
              extraRuns < 0 ? "(not counted apart)" : String.valueOf(extraRuns), refused);
    }
  }

  /** Submits {@code count} experiments of each type at once and waits until every one has ended. */
  private Burst burst(List<String> types, int count) throws Exception {
    var before = counters();
    long cpuBefore = cpu();
    long start = System.nanoTime();
    var submitted = new ArrayList<Future<HttpResponse<String>>>();
    for (int i = 0; i < count; i++) {
      for (var type : types) {
        submitted.add(submitters.submit(() -> submit(type)));
      }
    }
    var ids = new ArrayList<String>();
    long refused = 0;
    for (var future : submitted) {
      var response = future.get();
      if (response.statusCode() == 202) {
        ids.add(JSON.readTree(response.body()).get("experimentId").asString());
      } else if (response.statusCode() == 429) {
        refused++;
      } else {
        throw new AssertionError("submission answered " + response.statusCode() + ": " + response.body());
      }
    }
    long failed = 0;
    for (var type : types) {
      failed += awaitEnded(type);
    }
    double seconds = (System.nanoTime() - start) / 1e9;
    long cpu = cpu() - cpuBefore;
    var after = counters();
    int tasks = ids.size() * 10;
    assertThat(failed).as("failed experiments").isZero();
    return new Burst(ids.size(), tasks, seconds, cpu / 1e6 / tasks, failed,
        (long) (after[0] - before[0]) - tasks, "all-in-one".equals(MODE) ? (long) (after[1] - before[1]) - tasks : -1,
        refused);
  }

  private HttpResponse<String> submit(String type) {
    return send(HttpRequest.newBuilder(URI.create(base + "/api/v1/experiments"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"experimentType\": \"" + type + "\", \"inputs\": {}}")).build());
  }

  /** Waits until no experiment of {@code type} runs; returns how many of them have failed in all. */
  private long awaitEnded(String type) {
    until(() -> total("/api/v1/experiments?type=" + type + "&state=EXECUTING&size=1") == 0
        && total("/api/v1/experiments?type=" + type + "&state=LAUNCHED&size=1") == 0
        && total("/api/v1/experiments?type=" + type + "&state=CREATED&size=1") == 0, Duration.ofMinutes(10));
    return total("/api/v1/experiments?type=" + type + "&state=FAILED&size=1");
  }

  /** Experiments one at a time; each node's time from its dispatch to its result applied. */
  private List<Double> lightLoad(String type) throws Exception {
    var hops = new ArrayList<Double>();
    for (int i = 0; i < LIGHT_LOAD; i++) {
      var id = JSON.readTree(submit(type).body()).get("experimentId").asString();
      until(() -> get("/api/v1/experiments/" + id).contains("\"COMPLETED\""), Duration.ofMinutes(1));
      var dispatched = new LinkedHashMap<String, Instant>();
      for (var event : JSON.readTree(get("/api/v1/experiments/" + id + "/events")).path("items")) {
        var key = event.path("taskKey").asString(null);
        var state = event.path("state").asString();
        if (key == null) {
          continue;
        }
        var at = Instant.parse(event.get("at").asString());
        if ("DISPATCHED".equals(state)) {
          dispatched.put(key, at);
        } else if ("SUCCEEDED".equals(state) && dispatched.containsKey(key)) {
          hops.add(Duration.between(dispatched.get(key), at).toNanos() / 1e6);
        }
      }
    }
    hops.sort(null);
    return hops;
  }

  private long cpu() {
    return measured.values().stream().mapToLong(p -> ProcessStats.cpuNanos(p.pid())).sum();
  }

  private static final Pattern DISPATCHES = Pattern.compile("^weft_task_dispatches_total\\{[^}]*} (\\S+)$",
      Pattern.MULTILINE);
  private static final Pattern RUNS = Pattern.compile("^weft_worker_tasks_total\\{[^}]*} (\\S+)$", Pattern.MULTILINE);

  /** Dispatches sent and task runs, from the orchestrator's Prometheus endpoint. */
  private double[] counters() {
    var text = get("/actuator/prometheus");
    return new double[] {sum(DISPATCHES, text), sum(RUNS, text)};
  }

  private static double sum(Pattern pattern, String text) {
    var matcher = pattern.matcher(text);
    double sum = 0;
    while (matcher.find()) {
      sum += Double.parseDouble(matcher.group(1));
    }
    return sum;
  }

  private long total(String path) {
    JsonNode page = JSON.readTree(get(path));
    return page.get("total").asLong();
  }

  private String get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET().build()).body();
  }

  private static HttpResponse<String> send(HttpRequest request) {
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new IllegalStateException("HTTP " + request.uri() + " failed", e);
    }
  }

  private static void until(java.util.function.BooleanSupplier condition, Duration atMost) {
    await().atMost(atMost).pollInterval(Duration.ofMillis(50)).until(condition::getAsBoolean);
  }
}
