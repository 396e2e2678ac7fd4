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
import org.weft.orchestrator.testsupport.WebhookReceiver;
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

  /**
   * Also a gateway's webhook, whose endpoint is down through the kills: once it is back it gets
   * every experiment event, once per id and in order; none pending at a kill is lost.
   */
  @Test
  void experimentsSurviveRepeatedKill9AndNothingRunsTwice() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.add("--weft.worker.enabled=false"); // the test worker answers, and records every run
    args.addAll(List.of("--weft.webhooks.allowed-hosts=localhost", "--weft.webhooks.first-retry=200ms",
        "--weft.webhooks.longest-retry=1s"));
    var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
    var kafka = "localhost:" + WeftJar.arg(args, "weft.embedded.kafka.port");
    var random = new Random();
    long seed = random.nextLong();
    random.setSeed(seed);
    var ids = new ArrayList<String>();

    var weft = start("weft-0", args);
    try (var worker = new TestWorker(kafka, "worker-1", TestWorker.succeedAtOnce("worker-1"));
        var receiver = new WebhookReceiver()) {
      receiver.answer(503);
      var hook = api.postJson("/api/v1/webhooks", "{\"url\": \"" + receiver.url() + "\"}");
      assertThat(hook.statusCode()).as(hook.body()).isEqualTo(201);
      receiver.secret(JsonPath.read(hook.body(), "$.secret"));
      for (int i = 0; i < EXPERIMENTS; i++) {
        ids.add(api.submit("""
            {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///data/in.dat"}}"""));
      }
      int total = EXPERIMENTS * TASKS_EACH;
      for (int round = 1; round <= 2; round++) {
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

      receiver.answer(204);
      for (var id : ids) {
        List<Integer> trail = JsonPath.read(api.get("/api/v1/experiments/" + id + "/events").body(),
            "$.items[?(@.taskKey == null)].seq");
        await(id + "'s experiment events by webhook").atMost(Duration.ofMinutes(1)).until(() -> webhookSeqs(receiver, id).size() >= trail.size());
        assertThat(webhookSeqs(receiver, id)).as(id).containsExactlyElementsOf(trail.stream().map(Integer::longValue).toList());
      }
      assertThat(receiver.received()).extracting(WebhookReceiver.Message::id).doesNotHaveDuplicates();
      assertThat(receiver.received()).allSatisfy(m -> assertThat(m.verified()).isTrue());
    } finally {
      weft.close();
    }
  }

  private static List<Long> webhookSeqs(WebhookReceiver receiver, String experimentId) {
    return receiver.received().stream()
        .filter(m -> experimentId.equals(JsonPath.read(m.body(), "$.data.experimentId")))
        .map(m -> ((Number) JsonPath.read(m.body(), "$.data.seq")).longValue())
        .toList();
  }

  /**
   * A task repeated over its producer's output is expanded in the transaction that records the
   * producer's success. Killed right after a producer's result is sent (before, while or after it is
   * applied), the orchestrator restarts, and each experiment has its members exactly once, each
   * dispatched as one attempt. (Kills at random points are the test above's.)
   */
  @Test
  void anExpansionInterruptedByKill9IsMadeOnceAndItsMembersRunOnce() throws Exception {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.add("--weft.worker.enabled=false");
    var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
    var kafka = "localhost:" + WeftJar.arg(args, "weft.embedded.kafka.port");
    int experiments = 6;
    int members = 30;
    var ids = new ArrayList<String>();
    var weft = new java.util.concurrent.atomic.AtomicReference<>(start("weft-0", args));
    var killedAtSplit = new java.util.concurrent.CountDownLatch(1);
    try (var worker = new TestWorker(kafka, "worker-1", TestWorker.succeedAtOnce("worker-1"))) {
      assertThat(api.post("/api/v1/master-dags", "application/yaml", """
          type: fan-out-crash
          tasks:
            - {key: split, taskType: noop}
            - {key: map, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.chunks}"}
            - {key: watch, taskType: monitoring, dependsOn: [map], forEach: "${tasks.split.outputs.chunks}", params: {jobId: "${item}"}}
            - {key: reduce, taskType: output-staging, dependsOn: [watch]}
          """).statusCode()).isEqualTo(201);
      var splits = new java.util.concurrent.atomic.AtomicInteger();
      var submitted = new java.util.concurrent.CountDownLatch(1);
      worker.behave(dispatch -> {
        if (!dispatch.taskType().equals("noop")) {
          return TestWorker.success(dispatch, "worker-1");
        }
        try {
          // every experiment is in before the orchestrator goes down
          submitted.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        var result = TestWorker.result(dispatch, org.weft.task.api.TaskResult.Status.SUCCEEDED,
            java.util.Map.of("chunks", java.util.stream.IntStream.range(0, members).boxed().toList()), null, "worker-1");
        if (splits.incrementAndGet() == 3) {
          // the third producer's result goes out, and the orchestrator dies with it
          worker.send(result);
          weft.get().kill();
          killedAtSplit.countDown();
          return null;
        }
        return result;
      });
      for (int i = 0; i < experiments; i++) {
        ids.add(api.submit("{\"experimentType\": \"fan-out-crash\"}"));
      }
      submitted.countDown();
      killedAtSplit.await(STARTUP.toSeconds(), java.util.concurrent.TimeUnit.SECONDS);
      weft.set(start("weft-1", args));

      for (var id : ids) {
        await(id + " to complete").atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(250))
            .until(() -> "COMPLETED".equals(JsonPath.read(api.get("/api/v1/experiments/" + id).body(), "$.state")));
        List<String> keys = JsonPath.read(api.get("/api/v1/experiments/" + id + "/dag").body(), "$.nodes[*].key");
        assertThat(keys).as(id).hasSize(4 + 2 * members).doesNotHaveDuplicates();
        List<String> expanded = JsonPath.read(api.get("/api/v1/experiments/" + id + "/dag").body(),
            "$.nodes[?(@.state == 'EXPANDED')].key");
        assertThat(expanded).containsExactly("map", "watch");
      }
      var attemptsPerNode = worker.received().stream()
          .collect(Collectors.groupingBy(TaskDispatch::taskId, Collectors.mapping(TaskDispatch::dispatchId, Collectors.toSet())));
      assertThat(attemptsPerNode).hasSize(experiments * (2 + 2 * members));
      assertThat(attemptsPerNode.values()).as("dispatch ids per node").allSatisfy(d -> assertThat(d).hasSize(1));
    } finally {
      weft.get().close();
    }
  }

  private JavaProcess start(String name, List<String> args) {
    return WeftJar.launch(name, workDir, args).awaitOutput("Weft orchestrator is up", STARTUP);
  }
}
