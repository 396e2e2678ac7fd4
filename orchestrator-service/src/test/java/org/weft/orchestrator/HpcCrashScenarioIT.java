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
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.TaskServiceJar;
import org.weft.orchestrator.testsupport.WeftJar;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.hpc.SlurmCluster;

/**
 * Task microservices deployed on their own against a real SLURM cluster behind sshd: kill -9 the
 * job-submission service after {@code sbatch} has made the job but before its answer came back,
 * restart it, and kill -9 the monitoring instance following the most jobs while they run. Every
 * node has exactly one SLURM job, every job runs once, and every experiment completes with its
 * outputs back.
 */
class HpcCrashScenarioIT {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(HpcCrashScenarioIT.class);
  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final int EXPERIMENTS = 2;
  /** Long enough for the job to outlive a restart of job-submission and the start of its monitoring. */
  private static final int JOB_SECONDS = 50;

  @TempDir
  Path workDir;

  @Test
  void killedSubmitterAndMonitorLeaveOneJobPerNodeAndEveryExperimentCompletes() throws Exception {
    var cluster = SlurmCluster.shared();
    int[] ports = FreePorts.take(6);
    var zookeeper = "localhost:" + ports[0];
    var kafka = "localhost:" + ports[1];
    var workspace = Files.createDirectories(workDir.resolve("workspace"));
    var programs = Files.createDirectories(cluster.scratch().resolveSibling("crash-programs"));
    JobPrograms.slowSimulate(programs);
    var input = Files.writeString(Files.createDirectories(workspace.resolve("sources")).resolve("input.dat"), "1 2 3\n");
    var resource = cluster.properties("slurm", programs).entrySet().stream()
        .map(entry -> "--" + entry.getKey() + "=" + entry.getValue()).toList();

    var orchestratorArgs = new ArrayList<>(List.of(
        "--server.port=" + ports[5], "--weft.instance-id=o-1",
        "--weft.zookeeper.connect-string=" + zookeeper, "--spring.kafka.bootstrap-servers=" + kafka,
        "--spring.neo4j.uri=bolt://localhost:" + ports[3],
        "--weft.worker.task-types=env-setup,input-staging,output-staging",
        "--weft.worker.workspace=" + workspace, "--weft.worker.heartbeat-interval=1s",
        "--weft.dag.defaults.heartbeat-timeout=PT5S", "--weft.dag.defaults.backoff=PT0.5S"));
    orchestratorArgs.addAll(resource);
    try (var infrastructure = WeftJar.launchInfrastructureOn(ports, workDir, STARTUP);
         var orchestrator = WeftJar.launch("orchestrator", workDir, orchestratorArgs)
             .awaitOutput("Weft orchestrator is up", STARTUP)) {
      var services = new HashMap<String, JavaProcess>();
      try {
        // started together, awaited together: three JVM starts overlap
        services.put("js-1", service("job-submission", "js-1", zookeeper, kafka, workspace, resource));
        services.put("m-1", service("monitoring", "m-1", zookeeper, kafka, workspace, resource));
        services.put("m-2", service("monitoring", "m-2", zookeeper, kafka, workspace, resource));
        services.forEach((id, process) -> process.awaitOutput("Worker " + id + " runs", STARTUP));
        var api = new Api(ports[5]);

        cluster.holdSubmissions(Duration.ofSeconds(30));
        var ids = new ArrayList<String>();
        for (int i = 0; i < EXPERIMENTS; i++) {
          ids.add(api.submit("""
              {"experimentType": "single-application",
               "inputs": {"input-file": "file://%s", "program": "slow-simulate", "steps": %d, "resource": "slurm"}}"""
              .formatted(input, JOB_SECONDS)));
        }
        await("sbatch to have made every job").atMost(STARTUP).pollInterval(Duration.ofMillis(200))
            .until(() -> ids.stream().allMatch(id -> jobsOf(cluster, id) == 1));
        services.remove("js-1").killAlone();
        cluster.holdSubmissions(null);
        log.info("job-submission killed between sbatch and its answer; restarting it");
        services.put("js-1", service("job-submission", "js-1", zookeeper, kafka, workspace, resource)
            .awaitOutput("Worker js-1 runs", STARTUP));

        await("every job to be followed").atMost(STARTUP).pollInterval(Duration.ofMillis(200)).until(() ->
            ids.stream().allMatch(id -> "RUNNING".equals(api.node(id, "monitor").get("state"))));
        var followedBy = ids.stream().collect(Collectors.toMap(id -> id, id -> (String) api.node(id, "monitor").get("workerId")));
        var victim = followedBy.values().stream().collect(Collectors.groupingBy(w -> w, Collectors.counting()))
            .entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
        log.info("Monitoring: {}; killing {} while the jobs run", followedBy, victim);
        services.get(victim).killAlone();

        for (var id : ids) {
          api.awaitState(id, "COMPLETED", Duration.ofMinutes(3));
        }
        for (var id : ids) {
          assertThat(jobsOf(cluster, id)).as("SLURM jobs of %s's run node", id).isEqualTo(1);
          var remoteOutputs = Path.of((String) Api.outputs(api.node(id, "setup")).get("outputDir"));
          assertThat(Files.readAllLines(remoteOutputs.resolve("runs"))).as("%s's job ran once", id).hasSize(1);
          @SuppressWarnings("unchecked")
          var files = (List<Map<String, Object>>) Api.outputs(api.node(id, "stage-out")).get("files");
          assertThat(files).singleElement().satisfies(file -> {
            assertThat(file.get("name")).isEqualTo("result.out");
            assertThat(Path.of((String) file.get("path"))).hasContent("1 2 3");
            assertThat(file.get("checksum")).isEqualTo(Checksums.sha256(remoteOutputs.resolve("result.out")));
          });
        }
      } finally {
        cluster.holdSubmissions(null);
        services.values().forEach(JavaProcess::close);
      }
    }
  }

  /** The SLURM jobs, in any state, made for an experiment's run node. */
  private static long jobsOf(SlurmCluster cluster, String experimentId) {
    return cluster.slurm("squeue", "-h", "-t", "all", "-o", "%k").lines()
        .filter(comment -> comment.startsWith("weft:" + experimentId + ":run:")).count();
  }

  private JavaProcess service(String service, String id, String zookeeper, String kafka, Path workspace,
      List<String> resource) {
    var args = new ArrayList<>(List.of(
        "--weft.worker.id=" + id, "--weft.zookeeper.connect-string=" + zookeeper,
        "--weft.zookeeper.session-timeout=4s", "--spring.kafka.bootstrap-servers=" + kafka,
        "--spring.kafka.consumer.properties.session.timeout.ms=6000",
        "--spring.kafka.consumer.properties.heartbeat.interval.ms=1000",
        "--weft.worker.workspace=" + workspace, "--weft.worker.heartbeat-interval=1s"));
    args.addAll(resource);
    return TaskServiceJar.launch(service, id, workDir, args);
  }
}
