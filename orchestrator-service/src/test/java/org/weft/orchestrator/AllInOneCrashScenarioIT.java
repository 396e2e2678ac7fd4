package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.StepChain;
import org.weft.orchestrator.testsupport.WeftJar;

/**
 * {@code ./weft run}, with its task microservices in the same process, killed with -9 while jobs are
 * being submitted and followed, then started again on the same data. The jobs outlive the process;
 * the restarted workers remember, from their journals, which dispatches were running when it died
 * and never start a job again for the same attempt: across every experiment, no more jobs are
 * started than job-submission attempts are recorded, and every experiment completes. Killed too
 * while an experiment re-creates lost files, that experiment completes after the restart with each
 * producer run once more, not twice.
 */
class AllInOneCrashScenarioIT {

  private static final Duration STARTUP = Duration.ofMinutes(3);
  private static final int EXPERIMENTS = 6;

  @TempDir
  Path workDir;

  @Test
  void aKilledAllInOneProcessResumesAndStartsNoJobTwiceForOneAttempt() throws Exception {
    var workspace = Files.createDirectories(workDir.resolve("workspace"));
    var programs = Files.createDirectories(workDir.resolve("programs"));
    JobPrograms.slowSimulate(programs);
    var input = Files.writeString(Files.createDirectories(workspace.resolve("sources")).resolve("input.dat"), "1 2 3\n");
    var args = args(workspace, programs);
    var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
    var ids = new ArrayList<String>();
    try (var first = WeftJar.launch("weft-1", workDir, args).awaitOutput("Weft orchestrator is up", STARTUP)) {
      for (int i = 0; i < EXPERIMENTS; i++) {
        ids.add(api.submit("""
            {"experimentType": "single-application",
             "inputs": {"input-file": "file://%s", "program": "slow-simulate", "steps": %d}}"""
            .formatted(input, 3 + i)));
      }
      await("some jobs to be followed").atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() ->
          ids.stream().filter(id -> "RUNNING".equals(api.node(id, "monitor").get("state"))).count() >= 2);
      // the jobs live on, as they would after a crash of the service that started them
      first.killAlone();
    }
    try (var second = WeftJar.launch("weft-2", workDir, args).awaitOutput("Weft orchestrator is up", STARTUP)) {
      for (var id : ids) {
        api.awaitState(id, "COMPLETED", Duration.ofMinutes(2));
      }
      long jobsStarted = 0;
      long attempts = 0;
      for (var id : ids) {
        var outputDir = Path.of((String) Api.outputs(api.node(id, "setup")).get("outputDir"));
        var runs = Files.readAllLines(outputDir.resolve("runs")).size();
        var attemptsOfRun = ((Number) api.node(id, "run").get("attempt")).intValue();
        assertThat(runs).as("jobs started for %s's %d job-submission attempts", id, attemptsOfRun)
            .isBetween(1, attemptsOfRun);
        jobsStarted += runs;
        attempts += attemptsOfRun;
        assertThat(outputDir.resolve("result.out")).hasContent("1 2 3");
      }
      assertThat(jobsStarted).isLessThanOrEqualTo(attempts);
    }
  }

  @Test
  void aKilledAllInOneProcessFinishesReCreatingLostFilesAndRunsEachProducerOnceMore() throws Exception {
    var workspace = Files.createDirectories(workDir.resolve("workspace"));
    var programs = Files.createDirectories(workDir.resolve("programs"));
    StepChain.programs(programs);
    var args = args(workspace, programs);
    var api = new Api(Integer.parseInt(WeftJar.arg(args, "server.port")));
    String chain;
    Path chainDir;
    try (var first = WeftJar.launch("weft-1", workDir, args).awaitOutput("Weft orchestrator is up", STARTUP)) {
      // a chain whose three files are lost before its last job reads them; the first re-run is held
      assertThat(api.post("/api/v1/master-dags", "application/yaml", "type: lost-chain\n" + StepChain.TEMPLATE)
          .statusCode()).isEqualTo(201);
      chain = api.submit("{\"experimentType\": \"lost-chain\"}");
      api.awaitNode(chain, "watch-c", "SUCCEEDED", STARTUP);
      chainDir = Path.of((String) Api.outputs(api.node(chain, "setup")).get("workdir"));
      Files.createFile(chainDir.resolve("hold-reruns"));
      for (var name : List.of("a.txt", "b.txt", "c.txt")) {
        Files.delete(chainDir.resolve(name));
      }
      Files.createFile(chainDir.resolve("gate"));
      try {
        await("a's job to be re-run").atMost(STARTUP).pollInterval(Duration.ofMillis(100)).until(() ->
            "RUNNING".equals(api.node(chain, "watch-a").get("state"))
                && !((List<?>) api.node(chain, "watch-a").get("reexecutions")).isEmpty());
      } catch (ConditionTimeoutException e) {
        throw new AssertionError(e.getMessage() + "\n" + api.story(chain), e);
      }
      first.killAlone();
    }
    try (var second = WeftJar.launch("weft-2", workDir, args).awaitOutput("Weft orchestrator is up", STARTUP)) {
      Files.delete(chainDir.resolve("hold-reruns"));
      api.awaitState(chain, "COMPLETED", Duration.ofMinutes(2));
      assertThat(Files.readAllLines(chainDir.resolve("step-runs")))
          .containsExactly("a.txt", "b.txt", "c.txt", "a.txt", "b.txt", "c.txt", "d.txt");
      assertThat(chainDir.resolve("d.txt")).hasContent("step a.txt\nstep b.txt\nstep c.txt\nstep d.txt");
    }
  }

  /** {@code ./weft run} on free ports, with short heartbeats, timeouts and polls. */
  private List<String> args(Path workspace, Path programs) {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.addAll(List.of("--weft.worker.workspace=" + workspace, "--weft.worker.jobs.program-dirs=" + programs,
        "--weft.worker.heartbeat-interval=1s", "--weft.worker.jobs.poll-interval=250ms",
        "--weft.dag.defaults.heartbeat-timeout=PT5S", "--weft.dag.defaults.backoff=PT0.5S",
        "--weft.zookeeper.session-timeout=4s"));
    return args;
  }
}
