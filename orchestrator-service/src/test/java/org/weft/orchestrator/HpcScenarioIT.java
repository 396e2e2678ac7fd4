package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.hpc.SlurmCluster;

/**
 * The shipped templates on a real SLURM cluster behind a real sshd, end to end over REST: the
 * experiment's directory, inputs and jobs on the cluster, the outputs back here with their
 * checksums, the SLURM job ids in the live DAG; cancel reaching the job; an unknown resource refused
 * at submission.
 */
@WeftIntegrationTest
@TestPropertySource(properties = {
    "weft.worker.enabled=true",
    "weft.worker.workspace=target/hpc-workspace",
    "weft.worker.heartbeat-interval=1s"})
class HpcScenarioIT {

  private static final Duration RUN = Duration.ofMinutes(3);
  private static final Path WORKSPACE = Path.of("target/hpc-workspace").toAbsolutePath();
  private static final Path SHIPPED_PROGRAMS = Path.of("../task-modules/job-submission/programs").toAbsolutePath().normalize();

  @DynamicPropertySource
  static void cluster(DynamicPropertyRegistry registry) throws Exception {
    var cluster = SlurmCluster.shared();
    var programs = Files.createDirectories(cluster.scratch().resolveSibling("hpc-programs"));
    // the shipped programs, where the cluster's account can read them wherever this checkout lies
    var shipped = Files.createDirectories(cluster.scratch().resolveSibling("shipped-programs"));
    try (var files = Files.list(SHIPPED_PROGRAMS)) {
      for (var file : files.toList()) {
        Files.copy(file, shipped.resolve(file.getFileName()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.setPosixFilePermissions(shipped.resolve(file.getFileName()), PosixFilePermissions.fromString("rwxr-xr-x"));
      }
    }
    program(programs.resolve("args"), "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n");
    program(programs.resolve("sleep-for"), "#!/bin/sh\nsleep \"$1\"\n");
    JobPrograms.straggle(programs, 3);
    cluster.properties("slurm", shipped).forEach((key, value) -> registry.add(key, () -> value));
    registry.add("weft.resources.slurm.program-dirs", () -> shipped + "," + programs);
  }

  @Value("${local.server.port}")
  int port;

  @Autowired
  TemplateService templates;

  @BeforeAll
  static void inputs() throws Exception {
    Files.createDirectories(WORKSPACE.resolve("sources"));
    Files.writeString(WORKSPACE.resolve("sources/input.txt"), "1 2 3 4\n5 6 7 8\n");
  }

  private Api api() {
    return new Api(port);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSingleApplicationTemplateRunsAsASlurmJobAndItsOutputsComeBackWithChecksums() throws Exception {
    var source = WORKSPACE.resolve("sources/input.txt");
    var id = api().submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file://%s", "steps": 40, "resource": "slurm"}}"""
        .formatted(source));
    api().awaitState(id, "COMPLETED", RUN);

    var scratch = SlurmCluster.shared().scratch().resolve(id);
    var setup = Api.outputs(api().node(id, "setup"));
    assertThat(setup).containsEntry("workdir", scratch.toString()).containsEntry("resource", "slurm");
    var stageIn = Api.outputs(api().node(id, "stage-in"));
    assertThat(stageIn).containsEntry("path", scratch.resolve("inputs/input.txt").toString());
    assertThat((Map<String, Object>) stageIn.get("checksums")).containsEntry("input.txt", Checksums.sha256(source));
    assertThat(scratch.resolve("inputs/input.txt")).hasSameTextualContentAs(source);

    var run = Api.outputs(api().node(id, "run"));
    var jobId = (String) run.get("jobId");
    assertThat(jobId).matches("[0-9]+");
    assertThat(Path.of((String) run.get("stdout"))).startsWith(scratch).content().contains("step 40 of 40");
    var monitor = Api.outputs(api().node(id, "monitor"));
    assertThat(monitor).containsEntry("jobId", jobId).containsEntry("state", "COMPLETED").containsEntry("exitCode", 0);
    var named = SlurmCluster.shared().slurm("squeue", "-h", "-t", "all", "-j", jobId, "-o", "%j %T").strip();
    assertThat(named).startsWith("weft-").endsWith(" COMPLETED");

    var files = (List<Map<String, Object>>) Api.outputs(api().node(id, "stage-out")).get("files");
    assertThat(files).extracting(file -> file.get("name")).containsExactlyInAnyOrder("result.out", "trace.csv");
    for (var file : files) {
      var local = Path.of((String) file.get("path"));
      assertThat(local).startsWith(WORKSPACE.resolve("outputs").resolve(id));
      assertThat(file.get("checksum")).isEqualTo(Checksums.sha256(local))
          .isEqualTo(Checksums.sha256(scratch.resolve("outputs").resolve((String) file.get("name"))));
      assertThat((String) file.get("source")).isEqualTo("slurm:" + scratch.resolve("outputs").resolve((String) file.get("name")));
    }

    // the job's outputs on the cluster are in the lineage, written by its monitoring node
    var result = scratch.resolve("outputs/result.out");
    List<Map<String, Object>> data = read(api().get("/api/v1/experiments/" + id + "/data"), "$.items");
    assertThat(data).filteredOn(d -> result.toString().equals(d.get("uri")) && "slurm".equals(d.get("resource")))
        .singleElement().satisfies(d -> {
          assertThat(d.get("producedBy")).isEqualTo("monitor");
          assertThat(d.get("checksum")).isEqualTo(Checksums.sha256(result));
        });

    // gone from the cluster, it is found missing over SSH when the staging runs again, and the job re-creates it
    Files.delete(result);
    var rerun = api().postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"stage-out\"}");
    assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(202);
    api().awaitState(id, "COMPLETED", RUN);
    assertThat((List<String>) api().node(id, "run").get("reexecutions")).hasSize(1);
    assertThat((String) Api.outputs(api().node(id, "run")).get("jobId")).isNotEqualTo(jobId);
    assertThat(result).content().contains("steps 40");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theParameterSweepRunsOneSlurmJobPerMember() {
    var id = api().submit("""
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file://%s", "steps": 10, "resource": "slurm"}}"""
        .formatted(WORKSPACE.resolve("sources/input.txt")));
    api().awaitState(id, "COMPLETED", RUN);

    var jobs = List.of("run[0]", "run[1]", "run[2]", "run[3]").stream()
        .map(key -> (String) Api.outputs(api().node(id, key)).get("jobId")).toList();
    assertThat(jobs).doesNotHaveDuplicates().allMatch(job -> job.matches("[0-9]+"));
    var files = (List<Map<String, Object>>) Api.outputs(api().node(id, "collect")).get("files");
    assertThat(files).extracting(file -> file.get("name")).contains("alpha-0/result.out", "alpha-3/trace.csv").hasSize(8);
  }

  @Test
  void aStragglingSlurmJobIsOvertakenByAReplicaJobOfItsOwnAndTheOriginalIsCancelled() throws Exception {
    var type = Api.registerTemplate(templates, "straggling-sweep", StragglerReplicaIT.TEMPLATE);
    var started = Instant.now();

    var id = api().submit("""
        {"experimentType": "%s", "inputs": {"members": [0, 1, 2, 3], "first": 60, "resource": "slurm"}}""".formatted(type));
    api().awaitState(id, "COMPLETED", Duration.ofSeconds(50));

    assertThat(Duration.between(started, Instant.now())).isLessThan(Duration.ofSeconds(60));
    @SuppressWarnings("unchecked")
    var replica = (Map<String, Object>) api().node(id, "watch[3]").get("replica");
    assertThat(replica).containsEntry("state", "WON");
    var workdir = Path.of((String) Api.outputs(api().node(id, "setup")).get("workdir"));
    assertThat(Files.readString(workdir.resolve("out-3.txt"))).contains("replica true");
    var starts = Files.readAllLines(workdir.resolve("starts"));
    assertThat(starts).hasSize(5);
    // the replica's job is a SLURM job of its own, and the original one was cancelled
    var run = Api.outputs(api().node(id, "run[3]"));
    assertThat((String) run.get("stdout")).endsWith(".replica.stdout");
    long original = starts.stream().filter(line -> line.startsWith("3 ") && line.endsWith(" false"))
        .mapToLong(line -> Long.parseLong(line.split(" ")[1])).findFirst().orElseThrow();
    await("the original job to be cancelled").atMost(Duration.ofSeconds(20))
        .until(() -> ProcessHandle.of(original).map(p -> !p.isAlive()).orElse(true));
  }

  @Test
  void hostileArgumentsReachTheProgramOnTheClusterLiterally() throws Exception {
    var type = Api.registerTemplate(templates, "hpc", """
        inputs: [{name: text, type: string, required: true}]
        tasks:
          - {key: setup, taskType: env-setup, resource: slurm}
          - key: run
            taskType: job-submission
            resource: slurm
            dependsOn: [setup]
            params: {workdir: "${tasks.setup.outputs.workdir}"}
            command: {template: [args, "${inputs.text}", "$(id)", "`id`", "*", "a'b"]}
          - {key: monitor, taskType: monitoring, resource: slurm, dependsOn: [run], params: {jobId: "${tasks.run.outputs.jobId}"}}
        """);
    var hostile = "it's \"$(touch /tmp/weft-hpc-pwned)\" ;\n| `whoami` ${HOME} ~";
    var id = api().submit("{\"experimentType\": \"%s\", \"inputs\": {\"text\": %s}}".formatted(type,
        new tools.jackson.databind.json.JsonMapper().writeValueAsString(hostile)));
    api().awaitState(id, "COMPLETED", RUN);

    var stdout = Path.of((String) Api.outputs(api().node(id, "run")).get("stdout"));
    assertThat(stdout).hasContent("<" + hostile + ">\n<$(id)>\n<`id`>\n<*>\n<a'b>");
    assertThat(Path.of("/tmp/weft-hpc-pwned")).doesNotExist();
  }

  @Test
  void cancellingTheExperimentCancelsItsSlurmJob() {
    var type = Api.registerTemplate(templates, "hpc", """
        tasks:
          - {key: setup, taskType: env-setup, resource: slurm}
          - {key: run, taskType: job-submission, resource: slurm, dependsOn: [setup], command: {template: [sleep-for, "600"]}}
          - {key: monitor, taskType: monitoring, resource: slurm, dependsOn: [run], params: {jobId: "${tasks.run.outputs.jobId}"}}
        """);
    var id = api().submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(RUN).until(() -> "RUNNING".equals(api().node(id, "monitor").get("state")));
    var jobId = (String) Api.outputs(api().node(id, "run")).get("jobId");
    await().atMost(RUN).until(() -> SlurmCluster.shared().slurm("squeue", "-h", "-t", "all", "-j", jobId, "-o", "%T")
        .strip().equals("RUNNING"));

    assertThat(api().postJson("/api/v1/experiments/" + id + "/cancel", "{}").statusCode()).isLessThan(300);

    await().atMost(RUN).until(() -> SlurmCluster.shared().slurm("squeue", "-h", "-t", "all", "-j", jobId, "-o", "%T")
        .strip().equals("CANCELLED"));
    api().awaitState(id, "CANCELLED", RUN);
  }

  @Test
  void anUnknownResourceIsRefusedAtSubmissionAndNothingIsCreated() {
    var before = api().get("/api/v1/experiments?size=1").body();
    var response = api().postJson("/api/v1/experiments", """
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat", "resource": "nowhere"}}""");

    assertThat(response.statusCode()).isEqualTo(422);
    assertThat(response.body()).contains("no compute resource 'nowhere' is configured").contains("local, slurm")
        .contains("inputs.resource");
    assertThat(api().get("/api/v1/experiments?size=1").body()).isEqualTo(before);
  }

  @Test
  void theResourcesAreListedWithReachabilityAndJobCountsButNoCredentials() {
    var response = api().get("/api/v1/resources");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat((List<String>) read(response, "$[*].name")).containsExactly("local", "slurm");
    assertThat((Boolean) read(response, "$[1].reachable")).isTrue();
    assertThat((String) read(response, "$[1].scheduler")).isEqualTo("slurm");
    assertThat((Integer) read(response, "$[1].runningJobs")).isNotNull();
    assertThat(response.body()).doesNotContain("client_key").doesNotContain("known_hosts").doesNotContain("private");
  }

  private static void program(Path path, String text) throws Exception {
    Files.writeString(path, text);
    Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
