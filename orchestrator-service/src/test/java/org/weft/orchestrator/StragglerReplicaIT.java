package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.time.temporal.TemporalAmount;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.Neo4jBrowserDoc;
import org.weft.orchestrator.testsupport.WithTaskMicroservices;

/**
 * A sweep of eight real jobs through the shipped task microservices, one of them twenty times slower
 * than the others on its first run: its monitoring node is speculative, so a replica (a job of its
 * own, and a second monitor) starts once it straggles, wins, and the original job is stopped.
 */
@WithTaskMicroservices
class StragglerReplicaIT {

  private static final Path PROGRAMS = Path.of("target/it-programs").toAbsolutePath();
  static final int SLOW_MEMBER = 5;
  /** How long the straggler's first run takes: without a replica, the sweep lasts at least as long. */
  private static final Duration STRAGGLER = Duration.ofSeconds(30);

  /** A sweep over {@code members} of {@link JobPrograms#straggle}, on {@code resource}. */
  static final String TEMPLATE = """
      inputs:
        - {name: members, type: list, default: [0, 1, 2, 3, 4, 5, 6, 7]}
        - {name: first, type: integer, required: true, description: seconds member 5 takes on its first run}
        - {name: again, type: integer, default: 1, description: seconds it takes on a later one}
        - {name: resource, type: string, default: local}
      tasks:
        - {key: setup, taskType: env-setup, resource: "${inputs.resource}"}
        - key: run
          taskType: job-submission
          resource: "${inputs.resource}"
          dependsOn: [setup]
          forEach: "${inputs.members}"
          command: {template: [straggle, "${tasks.setup.outputs.workdir}/out-${item}.txt", "${item}", "${inputs.first}", "${inputs.again}"]}
          # a SLURM job without a memory request takes the whole node
          resources: {cores: 1, memory: 256MiB}
        - key: watch
          taskType: monitoring
          resource: "${inputs.resource}"
          dependsOn: [run]
          forEach: "${inputs.members}"
          params: {jobId: "${tasks.run.outputs.jobId}", outputs: ["${tasks.setup.outputs.workdir}/out-${item}.txt"]}
          speculative: {multiplier: 3, minimum: PT3S}
        - key: collect
          taskType: output-staging
          resource: "${inputs.resource}"
          dependsOn: [watch]
          params: {from: "${tasks.setup.outputs.workdir}", patterns: ["out-*.txt"]}
      """;

  @Value("${local.server.port}")
  int port;

  @Autowired
  TemplateService templates;

  @Autowired
  MeterRegistry meters;

  @Autowired
  Neo4jClient neo4j;

  @BeforeAll
  static void programs() throws Exception {
    JobPrograms.straggle(PROGRAMS, SLOW_MEMBER);
  }

  private double replicas(String outcome) {
    var counter = meters.find("weft.task.replicas").tag("outcome", outcome).counter();
    return counter == null ? 0 : counter.count();
  }

  @Test
  void aStragglingMemberIsOvertakenByAReplicaAndTheSweepEndsLongBeforeTheStragglerWould() throws Exception {
    var api = new Api(port);
    var type = Api.registerTemplate(templates, "straggling-sweep", TEMPLATE);
    double started = replicas("started");
    double won = replicas("won");
    var submitted = Instant.now();

    var id = api.submit("{\"experimentType\": \"%s\", \"inputs\": {\"first\": %d}}".formatted(type,
        STRAGGLER.toSeconds()));
    api.awaitState(id, "COMPLETED", STRAGGLER);

    // ended sooner than the straggler alone would have taken
    assertThat(Duration.between(submitted, Instant.now())).isLessThan(STRAGGLER);
    var workdir = Path.of((String) Api.outputs(api.node(id, "setup")).get("workdir"));
    var starts = Files.readAllLines(workdir.resolve("starts"));
    // one job per member, and one more for the straggler: its replica's
    assertThat(starts).hasSize(9);
    assertThat(starts.stream().filter(line -> line.startsWith(SLOW_MEMBER + " ")))
        .extracting(line -> line.split(" ")[2]).containsExactlyInAnyOrder("false", "true");
    assertThat(Files.readString(workdir.resolve("out-" + SLOW_MEMBER + ".txt"))).contains("replica true");
    @SuppressWarnings("unchecked")
    var replica = (Map<String, Object>) api.node(id, "watch[" + SLOW_MEMBER + "]").get("replica");
    assertThat(replica).containsEntry("state", "WON").containsEntry("attempt", 1);
    assertThat(api.node(id, "watch[0]").get("replica")).isNull();

    // the winner's outputs only: the job submission's outputs are the replica job's, each file once
    assertThat((String) Api.outputs(api.node(id, "run[" + SLOW_MEMBER + "]")).get("stdout")).endsWith(".replica.stdout");
    @SuppressWarnings("unchecked")
    var collected = (List<Map<String, Object>>) Api.outputs(api.node(id, "collect")).get("files");
    assertThat(collected).extracting(file -> Path.of((String) file.get("path")).getFileName().toString())
        .containsExactlyInAnyOrder("out-0.txt", "out-1.txt", "out-2.txt", "out-3.txt", "out-4.txt", "out-5.txt",
            "out-6.txt", "out-7.txt");
    List<String> produced = read(api.get("/api/v1/experiments/" + id + "/data"),
        "$.items[?(@.producedBy == 'watch[" + SLOW_MEMBER + "]')].uri");
    assertThat(produced).singleElement().asString().endsWith("/out-" + SLOW_MEMBER + ".txt");

    // the audit trail says why, and the original job was stopped
    List<String> details = read(api.get("/api/v1/experiments/" + id + "/events"),
        "$.items[?(@.taskKey == 'watch[" + SLOW_MEMBER + "]')].detail");
    assertThat(details).anySatisfy(detail -> assertThat(detail).startsWith("replica started: its attempt has run")
        .contains("times the median"));
    assertThat(details).anySatisfy(detail -> assertThat(detail).startsWith("replica won"));
    long original = starts.stream().filter(line -> line.startsWith(SLOW_MEMBER + " ") && line.endsWith(" false"))
        .mapToLong(line -> Long.parseLong(line.split(" ")[1])).findFirst().orElseThrow();
    await("the original job to be stopped").atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(original).map(p -> !p.isAlive()).orElse(true));
    for (int member = 0; member < 8; member++) {
      if (member != SLOW_MEMBER) {
        assertThat(details(api, id, member)).noneMatch(detail -> detail.startsWith("replica"));
      }
    }
    assertThat(replicas("started") - started).isEqualTo(1);
    assertThat(replicas("won") - won).isEqualTo(1);
    // and Neo4j Browser's query shows it
    var rows = neo4j.query(Neo4jBrowserDoc.queries().get("replicas")).bind(id).to("experimentId").fetch().all();
    assertThat(rows).singleElement().satisfies(row -> {
      assertThat(row).containsEntry("task", "watch[" + SLOW_MEMBER + "]").containsEntry("replica", "WON")
          .containsEntry("attempt", 1L);
      assertThat(((TemporalAmount) row.get("ranBeforeReplica")).get(ChronoUnit.SECONDS))
          .isGreaterThanOrEqualTo(3);
    });
  }

  @Test
  void aReplicaOvertakenByTheOriginalIsStoppedWithItsJobAndChangesNothing() throws Exception {
    var api = new Api(port);
    var type = Api.registerTemplate(templates, "straggling-sweep", TEMPLATE);
    double wasted = replicas("wasted");

    // the straggler is slow, but its replica slower still: the original finishes first
    var id = api.submit("{\"experimentType\": \"%s\", \"inputs\": {\"first\": 8, \"again\": 60}}".formatted(type));
    api.awaitState(id, "COMPLETED", Duration.ofSeconds(40));

    var workdir = Path.of((String) Api.outputs(api.node(id, "setup")).get("workdir"));
    assertThat(Files.readString(workdir.resolve("out-" + SLOW_MEMBER + ".txt"))).contains("replica false");
    @SuppressWarnings("unchecked")
    var replica = (Map<String, Object>) api.node(id, "watch[" + SLOW_MEMBER + "]").get("replica");
    assertThat(replica).containsEntry("state", "WASTED");
    assertThat((String) Api.outputs(api.node(id, "run[" + SLOW_MEMBER + "]")).get("stdout")).doesNotContain(".replica");
    assertThat(details(api, id, SLOW_MEMBER)).anySatisfy(detail -> assertThat(detail)
        .isEqualTo("replica wasted: the original attempt succeeded first; the replica is stopped"));
    long replicaJob = Files.readAllLines(workdir.resolve("starts")).stream()
        .filter(line -> line.startsWith(SLOW_MEMBER + " ") && line.endsWith(" true"))
        .mapToLong(line -> Long.parseLong(line.split(" ")[1])).findFirst().orElseThrow();
    await("the replica's job to be stopped").atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(replicaJob).map(p -> !p.isAlive()).orElse(true));
    assertThat(replicas("wasted") - wasted).isEqualTo(1);
  }

  private static List<String> details(Api api, String id, int member) {
    return read(api.get("/api/v1/experiments/" + id + "/events"),
        "$.items[?(@.taskKey == 'watch[" + member + "]')].detail");
  }
}
