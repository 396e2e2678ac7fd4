package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.TaskServiceJar;
import org.weft.orchestrator.testsupport.WeftJar;

/**
 * Task microservices deployed on their own, as an operator runs them: one job-submission and two
 * monitoring instances, each its own JVM from its own jar, beside the orchestrator and the
 * infrastructure. While the jobs run, kill -9 the job-submission service and the monitoring
 * instance following the most jobs: the jobs outlive their submitter, the orchestrator retries the
 * silent monitoring attempts on the surviving instance, and every experiment completes with each
 * job run once and each dispatch run at most once by the survivor.
 */
class TaskServiceCrashScenarioIT {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(TaskServiceCrashScenarioIT.class);

  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final int EXPERIMENTS = 4;
  /** How long each job runs: long enough to kill its followers while it runs. */
  private static final int JOB_SECONDS = 20;
  private static final Pattern RUNNING_LINE = Pattern.compile("Running monitoring attempt \\d+ of monitor \\(dispatch ([^)]+)\\)");

  @TempDir
  Path workDir;

  @Test
  void killedTaskServicesLoseNothingTheSurvivorTakesOverAndNoJobOrDispatchRunsTwice() throws Exception {
    int[] ports = FreePorts.take(6);
    var zookeeper = "localhost:" + ports[0];
    var kafka = "localhost:" + ports[1];
    var workspace = Files.createDirectories(workDir.resolve("workspace"));
    var programs = Files.createDirectories(workDir.resolve("programs"));
    JobPrograms.slowSimulate(programs);
    var input = Files.writeString(Files.createDirectories(workspace.resolve("sources")).resolve("input.dat"), "1 2 3\n");

    try (var infrastructure = WeftJar.launchInfrastructureOn(ports, workDir, STARTUP);
         var orchestrator = WeftJar.launch("orchestrator", workDir, List.of(
                 "--server.port=" + ports[5], "--weft.instance-id=o-1",
                 "--weft.zookeeper.connect-string=" + zookeeper, "--spring.kafka.bootstrap-servers=" + kafka,
                 "--spring.neo4j.uri=bolt://localhost:" + ports[3],
                 // the quick tasks run in the orchestrator's process; jobs go to the services below
                 "--weft.worker.task-types=env-setup,input-staging,output-staging",
                 "--weft.worker.workspace=" + workspace, "--weft.worker.heartbeat-interval=1s",
                 "--weft.dag.defaults.heartbeat-timeout=PT5S", "--weft.dag.defaults.backoff=PT0.5S"))
             .awaitOutput("Weft orchestrator is up", STARTUP);
         var zk = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200))) {
      zk.start();
      assertThat(zk.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
      var services = new HashMap<String, JavaProcess>();
      try {
        services.put("js-1", service("job-submission", "js-1", zookeeper, kafka, workspace,
            "--weft.worker.jobs.program-dirs=" + programs));
        services.put("m-1", service("monitoring", "m-1", zookeeper, kafka, workspace));
        services.put("m-2", service("monitoring", "m-2", zookeeper, kafka, workspace));
        await("the services to register").atMost(STARTUP).until(() ->
            workers(zk, "monitoring").containsAll(List.of("m-1", "m-2")) && workers(zk, "job-submission").contains("js-1"));
        var api = new Api(ports[5]);

        var ids = new ArrayList<String>();
        for (int i = 0; i < EXPERIMENTS; i++) {
          ids.add(api.submit("""
              {"experimentType": "single-application",
               "inputs": {"input-file": "file://%s", "program": "slow-simulate", "steps": %d}}"""
              .formatted(input, JOB_SECONDS)));
        }
        await("every job to be followed").atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
            ids.stream().allMatch(id -> "RUNNING".equals(api.node(id, "monitor").get("state"))));
        var followedBy = ids.stream().collect(Collectors.toMap(id -> id, id -> (String) api.node(id, "monitor").get("workerId")));
        var victim = followedBy.values().stream().collect(Collectors.groupingBy(w -> w, Collectors.counting()))
            .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        var survivor = victim.equals("m-1") ? "m-2" : "m-1";
        log.info("Monitoring: {}; killing {} and js-1 while the jobs run", followedBy, victim);

        services.get("js-1").killAlone();
        services.get(victim).killAlone();

        for (var id : ids) {
          api.awaitState(id, "COMPLETED", Duration.ofMinutes(2));
        }
        for (var id : ids) {
          var run = api.node(id, "run");
          assertThat(run.get("attempt")).as("the job of %s was submitted once", id).isEqualTo(1);
          var monitor = api.node(id, "monitor");
          if (followedBy.get(id).equals(victim)) {
            assertThat(monitor.get("attempt")).as("%s's monitor was retried", id).isEqualTo(2);
          }
          assertThat(monitor.get("workerId")).isEqualTo(followedBy.get(id).equals(victim) ? survivor : followedBy.get(id));
          assertThat(Api.outputs(monitor)).containsEntry("exitCode", 0);
          var outputDir = Path.of((String) Api.outputs(api.node(id, "setup")).get("outputDir"));
          assertThat(Files.readAllLines(outputDir.resolve("runs"))).as("%s's job ran once", id).hasSize(1);
          assertThat(outputDir.resolve("result.out")).hasContent("1 2 3");
        }
        var dispatchesRun = RUNNING_LINE.matcher(services.get(survivor).output()).results().map(m -> m.group(1)).toList();
        assertThat(dispatchesRun).doesNotHaveDuplicates().isNotEmpty();
        await("the dead services' registrations to go").atMost(Duration.ofSeconds(30))
            .until(() -> !workers(zk, "monitoring").contains(victim) && !workers(zk, "job-submission").contains("js-1"));
        assertThat(workers(zk, "monitoring")).containsExactly(survivor);
      } finally {
        services.values().forEach(JavaProcess::close);
      }
    }
  }

  private JavaProcess service(String service, String id, String zookeeper, String kafka, Path workspace, String... extra) {
    var args = new ArrayList<>(List.of(
        "--weft.worker.id=" + id, "--weft.zookeeper.connect-string=" + zookeeper,
        "--weft.zookeeper.session-timeout=4s", "--spring.kafka.bootstrap-servers=" + kafka,
        // a dead instance's partitions go to the others this soon (Kafka's default is 45 s)
        "--spring.kafka.consumer.properties.session.timeout.ms=6000",
        "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
        "--weft.worker.workspace=" + workspace, "--weft.worker.heartbeat-interval=1s",
        "--weft.worker.jobs.poll-interval=250ms",
        // each run of a dispatch, which the test counts, is logged at DEBUG
        "--logging.level.org.weft.task.runtime.WorkerRuntime=DEBUG"));
    args.addAll(List.of(extra));
    return TaskServiceJar.launch(service, id, workDir, args).awaitOutput("Worker " + id + " runs", STARTUP);
  }

  private static List<String> workers(CuratorFramework zk, String type) throws Exception {
    var path = "/weft/workers/" + type;
    return zk.checkExists().forPath(path) == null ? List.of() : zk.getChildren().forPath(path);
  }
}
