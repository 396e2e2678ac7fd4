package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.WeftJar;

/**
 * A burst far larger than the workers can start at once, through the shipped task microservices of
 * {@code ./weft run} with their default settings, and a heartbeat timeout much shorter than the
 * burst's queue: the time a dispatch waits for a worker is not silence, so every experiment
 * completes, every node in one attempt, and every task runs once.
 */
class BurstScenarioIT {

  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final int EXPERIMENTS = 400;
  private static final int TASKS = 5;

  @TempDir
  Path workDir;

  @Test
  void aBurstLargerThanTheWorkersCanTakeCompletesWithOneAttemptPerNodeAndOneRunPerTask() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.add("--weft.worker.workspace=" + workDir.resolve("workspace"));
    args.add("--weft.dag.defaults.heartbeat-timeout=PT2S");
    try (var weft = WeftJar.launch("weft", workDir, args).awaitOutput("Weft orchestrator is up", STARTUP)) {
      var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
      var registered = api.post("/api/v1/master-dags", "application/yaml", """
          type: burst
          tasks:
            - {key: a, taskType: env-setup}
            - {key: b, taskType: env-setup, dependsOn: [a]}
            - {key: c, taskType: env-setup, dependsOn: [a]}
            - {key: d, taskType: env-setup, dependsOn: [a]}
            - {key: e, taskType: env-setup, dependsOn: [b, c, d]}
          """);
      assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);
      var pool = Executors.newFixedThreadPool(32);
      var submissions = new ArrayList<Callable<String>>();
      for (int i = 0; i < EXPERIMENTS; i++) {
        submissions.add(() -> api.submit("{\"experimentType\": \"burst\", \"inputs\": {}}"));
      }
      var ids = new ArrayList<String>();
      for (var future : pool.invokeAll(submissions)) {
        ids.add(future.get());
      }
      pool.shutdown();

      await("every experiment to end").atMost(Duration.ofMinutes(5)).pollInterval(Duration.ofSeconds(1))
          .until(() -> count(api, "COMPLETED") + count(api, "FAILED") == EXPERIMENTS);

      assertThat(count(api, "FAILED")).as("failed experiments").isZero();
      for (var id : ids.subList(0, 50)) {
        List<Map<String, Object>> nodes = Api.read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes");
        assertThat(nodes).hasSize(TASKS).allSatisfy(node -> assertThat(node.get("attempt")).as(id).isEqualTo(1));
      }
      var metrics = api.get("/actuator/prometheus").body();
      assertThat(counter(metrics, "weft_worker_tasks_total", "task_type=\"env-setup\"")).as("task runs")
          .isEqualTo(EXPERIMENTS * TASKS);
      assertThat(counter(metrics, "weft_task_dispatches_total", "task_type=\"env-setup\"")).as("dispatches sent")
          .isEqualTo(EXPERIMENTS * TASKS);
      assertThat(weft.output()).doesNotContain("timed out").doesNotContain("sent no heartbeat");
      // every dispatch was started, so its worker committed it: nothing is left queued
      await("the backlog to read empty").atMost(Duration.ofSeconds(30)).until(() -> {
        Number queued = Api.read(api.get("/api/v1/workers"), "$.queued['env-setup']");
        return queued.longValue() == 0;
      });
    }
  }

  private static long count(Api api, String state) {
    Number total = Api.read(api.get("/api/v1/experiments?type=burst&size=1&state=" + state), "$.total");
    return total.longValue();
  }

  /** The sum of a counter's series whose labels hold {@code label}. */
  private static long counter(String metrics, String name, String label) {
    var matcher = Pattern.compile("^" + name + "\\{([^}]*)} (\\S+)$", Pattern.MULTILINE).matcher(metrics);
    double sum = 0;
    while (matcher.find()) {
      if (matcher.group(1).contains(label)) {
        sum += Double.parseDouble(matcher.group(2));
      }
    }
    return Math.round(sum);
  }
}
