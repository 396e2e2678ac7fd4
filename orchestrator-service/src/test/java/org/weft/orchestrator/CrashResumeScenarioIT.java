package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftJar;
import org.weft.task.api.TaskDispatch;

/**
 * The guarantee that matters most: kill -9 the orchestrator (started as the README starts it, with
 * its embedded servers) while experiments are mid-DAG, several times at random points, restart it,
 * and every experiment completes, every dispatch ran once, and no executed node ran again.
 */
class CrashResumeScenarioIT {

  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final int EXPERIMENTS = 12;
  private static final int TASKS_EACH = 11; // parameter-sweep

  @TempDir
  Path workDir;

  @Test
  void experimentsSurviveRepeatedKill9AndNothingRunsTwice() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.add("--weft.worker.enabled=false"); // the test worker answers, and records every run
    var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
    var kafka = "localhost:" + WeftJar.arg(args, "weft.embedded.kafka.port");
    var random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    var ids = new ArrayList<String>();

    var weft = start("weft-0", args);
    try (var worker = new TestWorker(kafka, "worker-1", TestWorker.succeedAtOnce("worker-1"))) {
      for (int i = 0; i < EXPERIMENTS; i++) {
        ids.add(api.submit("""
            {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///data/in.dat"}}"""));
      }
      int total = EXPERIMENTS * TASKS_EACH;
      for (int round = 1; round <= 3; round++) {
        // somewhere in the next stretch of the run: before, during or after a result is applied
        int killAt = Math.min(total - 5, worker.received().size() + 5 + random.nextInt(total / 4));
        await("worker to have received " + killAt + " dispatches").atMost(STARTUP)
            .until(() -> worker.received().size() >= killAt);
        weft.kill();
        weft = start("weft-" + round, args);
      }

      for (var id : ids) {
        await(id + " to complete (seed " + seed + ")").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
            .until(() -> "COMPLETED".equals(JsonPath.read(api.get("/api/v1/experiments/" + id).body(), "$.state")));
        List<Boolean> executed = JsonPath.read(api.get("/api/v1/experiments/" + id + "/dag").body(), "$.nodes[*].isExecuted");
        assertThat(executed).hasSize(TASKS_EACH).containsOnly(true);
      }

      // each node was dispatched as one attempt only: a dispatch in flight at a kill is sent again with
      // its own id, which a worker answers without running it again, and never as a new attempt
      var attemptsPerNode = worker.received().stream()
          .collect(Collectors.groupingBy(TaskDispatch::taskId, Collectors.mapping(TaskDispatch::dispatchId, Collectors.toSet())));
      assertThat(attemptsPerNode).hasSize(EXPERIMENTS * TASKS_EACH);
      assertThat(attemptsPerNode.values()).as("dispatch ids per node (seed %d)", seed).allSatisfy(d -> assertThat(d).hasSize(1));
    } finally {
      weft.close();
    }
  }

  private JavaProcess start(String name, List<String> args) {
    return WeftJar.launch(name, workDir, args).awaitOutput("Weft orchestrator is up", STARTUP);
  }
}
