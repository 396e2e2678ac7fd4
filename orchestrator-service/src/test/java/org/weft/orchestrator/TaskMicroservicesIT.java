package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.Neo4jBrowserDoc;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WithTaskMicroservices;
import org.weft.task.runtime.files.Checksums;

/**
 * The shipped templates run end to end through the five real task microservices (in this process,
 * as {@code ./weft run} has them) on the embedded servers: real directories, staged files, jobs
 * that are real programs, outputs with checksums. And what each does with bad input.
 */
@WithTaskMicroservices
class TaskMicroservicesIT {

  private static final Duration RUN = Duration.ofSeconds(90);
  private static final Path WORKSPACE = Path.of("target/it-workspace").toAbsolutePath();
  private static final Path PROGRAMS = Path.of("target/it-programs").toAbsolutePath();

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  @Autowired
  Neo4jClient neo4j;

  @BeforeAll
  static void programsAndInputs() throws Exception {
    Files.createDirectories(WORKSPACE.resolve("sources"));
    Files.writeString(WORKSPACE.resolve("sources/input.txt"), "1 2 3 4\n5 6 7 8\n");
    Files.writeString(WORKSPACE.resolve("sources/words.txt"), "the quick brown fox\njumps over the lazy dog\n"
        + "the end\nof the story\n");
    Files.createDirectories(PROGRAMS);
    program("print-args", "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done\n");
    program("spawn-and-wait", "#!/bin/sh\nsleep 300 &\necho $! > \"$1\"\nwait\n");
  }

  private static void program(String name, String text) throws Exception {
    JobPrograms.write(PROGRAMS, name, text);
  }

  private Api api() {
    return new Api(port);
  }

  private Map<String, Object> node(String experimentId, String key) {
    return api().node(experimentId, key);
  }

  private static Map<String, Object> outputs(Map<String, Object> node) {
    return Api.outputs(node);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSingleApplicationTemplateRunsARealJobAndStagesItsOutputsWithChecksums() throws Exception {
    var input = "file://" + WORKSPACE.resolve("sources/input.txt");
    var id = api().submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "%s", "steps": 40}}""".formatted(input));
    api().awaitState(id, "COMPLETED", RUN);

    var stageIn = outputs(node(id, "stage-in"));
    var staged = Path.of((String) stageIn.get("path"));
    assertThat(staged).startsWith(WORKSPACE.resolve("experiments").resolve(id)).hasContent("1 2 3 4\n5 6 7 8");
    assertThat((Map<String, Object>) stageIn.get("checksums")).containsEntry("input.txt", Checksums.sha256(staged));

    var monitor = outputs(node(id, "monitor"));
    assertThat(monitor).containsEntry("exitCode", 0);
    assertThat(Path.of((String) monitor.get("stdout"))).content().contains("step 40 of 40");

    var stageOut = outputs(node(id, "stage-out"));
    var files = (List<Map<String, Object>>) stageOut.get("files");
    assertThat(files).extracting(file -> file.get("name")).containsExactlyInAnyOrder("result.out", "trace.csv");
    for (var file : files) {
      var path = Path.of((String) file.get("path"));
      assertThat(path).startsWith(WORKSPACE.resolve("outputs").resolve(id));
      assertThat(file.get("checksum")).isEqualTo(Checksums.sha256(path));
      assertThat(((Number) file.get("size")).longValue()).isEqualTo(Files.size(path));
    }
    assertThat(Path.of((String) files.stream().filter(f -> f.get("name").equals("result.out")).findFirst()
        .orElseThrow().get("path"))).content().contains("values 8", "steps 40");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theFilesTheServicesWriteAndReadFormTheExperimentsLineageAndTheBrowserQueriesReadIt() throws Exception {
    var input = "file://" + WORKSPACE.resolve("sources/input.txt");
    var id = api().submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "%s", "steps": 3}}""".formatted(input));
    api().awaitState(id, "COMPLETED", RUN);
    var staged = (String) outputs(node(id, "stage-in")).get("path");
    var outputDir = Path.of((String) outputs(node(id, "setup")).get("outputDir"));
    var collected = WORKSPACE.resolve("outputs").resolve(id);

    List<Map<String, Object>> data = read(api().get("/api/v1/experiments/" + id + "/data"), "$.items");

    assertThat(data).extracting(d -> d.get("uri"), d -> d.get("producedBy"), d -> d.get("consumedBy"))
        .containsExactlyInAnyOrder(
            tuple(staged, "stage-in", List.of("run")),
            tuple(outputDir.resolve("result.out").toString(), "monitor", List.of("stage-out")),
            tuple(outputDir.resolve("trace.csv").toString(), "monitor", List.of("stage-out")),
            tuple(collected.resolve("result.out").toString(), "stage-out", List.of()),
            tuple(collected.resolve("trace.csv").toString(), "stage-out", List.of()));
    var stagedObject = data.stream().filter(d -> d.get("uri").equals(staged)).findFirst().orElseThrow();
    assertThat(stagedObject).containsEntry("resource", "local").containsEntry("state", "AVAILABLE")
        .containsEntry("checksum", Checksums.sha256(Path.of(staged)));
    assertThat(((Number) stagedObject.get("size")).longValue()).isEqualTo(Files.size(Path.of(staged)));
    assertThat(api().get("/api/v1/experiments/no-such-experiment/data").statusCode()).isEqualTo(404);

    // the doc's lineage queries, as Browser runs them
    var queries = Neo4jBrowserDoc.queries();
    var copy = collected.resolve("result.out").toString();
    var origin = neo4j.query(queries.get("file-origin")).bindAll(Map.of("experimentId", id, "uri", copy))
        .fetchAs(Long.class).mappedBy((types, row) -> (long) row.get("path").asPath().length()).all();
    assertThat(origin).contains(0L, 2L);
    var uses = neo4j.query(queries.get("file-uses")).bindAll(Map.of("experimentId", id, "uri", staged))
        .fetchAs(String.class).mappedBy((types, row) -> row.get("task").asString()).all();
    assertThat(uses).containsExactly("run");
    var cost = neo4j.query(queries.get("loss-cost")).bindAll(Map.of("experimentId", id, "uri", staged)).fetch().one()
        .orElseThrow();
    assertThat(cost).containsEntry("producer", "stage-in");
    assertThat((List<String>) cost.get("tasksAfter")).containsExactlyInAnyOrder("run", "monitor", "stage-out");
    assertThat(neo4j.query(queries.get("lineage")).bind(id).to("experimentId").fetch().all()).isNotEmpty();
  }

  @Test
  @SuppressWarnings("unchecked")
  void theSweepAndMapReduceTemplatesFanOutAndInThroughRealJobs() {
    var sweep = api().submit("""
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file://%s", "steps": 10, "alphas": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7]}}"""
        .formatted(WORKSPACE.resolve("sources/input.txt")));
    var mapReduce = api().submit("""
        {"experimentType": "map-reduce", "inputs": {"input-file": "file://%s", "lines-per-map": 1, "reducers": 3}}"""
        .formatted(WORKSPACE.resolve("sources/words.txt")));
    api().awaitState(sweep, "COMPLETED", RUN);
    api().awaitState(mapReduce, "COMPLETED", RUN);

    var swept = (List<Map<String, Object>>) outputs(node(sweep, "collect")).get("files");
    assertThat(swept).extracting(file -> (String) file.get("name")).filteredOn(name -> name.endsWith("/result.out"))
        .containsExactlyInAnyOrder("alpha-0/result.out", "alpha-1/result.out", "alpha-2/result.out", "alpha-3/result.out",
            "alpha-4/result.out", "alpha-5/result.out", "alpha-6/result.out");
    var reduced = (List<Map<String, Object>>) outputs(node(mapReduce, "stage-out")).get("files");
    // the split made one chunk per line, so four map jobs ran; three reduces, as asked
    assertThat(reduced).extracting(file -> file.get("name")).containsExactlyInAnyOrder("part-0", "part-1", "part-2");
    List<Map<String, Object>> mapNodes = Api.read(api().get("/api/v1/experiments/" + mapReduce + "/dag"), "$.nodes");
    assertThat(mapNodes).filteredOn(n -> "map".equals(n.get("templateKey")))
        .extracting(n -> n.get("key") + " " + n.get("state"))
        .containsExactly("map EXPANDED", "map[0] SUCCEEDED", "map[1] SUCCEEDED", "map[2] SUCCEEDED", "map[3] SUCCEEDED");
    var counts = reduced.stream().map(file -> {
      try {
        return Files.readString(Path.of((String) file.get("path")));
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }).reduce("", String::concat);
    assertThat(counts).contains("the 4", "fox 1");

    // the lineage of each map's output: written by the job its watch followed, read by every reduce
    var workdir = Path.of((String) outputs(node(mapReduce, "setup")).get("workdir"));
    List<Map<String, Object>> data = Api.read(api().get("/api/v1/experiments/" + mapReduce + "/data"), "$.items");
    for (int i = 0; i < 4; i++) {
      var mapOutput = workdir.resolve("maps/" + i + "/map.txt").toString();
      var watch = "watch-map[" + i + "]";
      assertThat(data).filteredOn(d -> mapOutput.equals(d.get("uri"))).singleElement().satisfies(d -> {
        assertThat(d.get("producedBy")).isEqualTo(watch);
        assertThat((List<String>) d.get("consumedBy")).containsExactlyInAnyOrder("reduce[0]", "reduce[1]", "reduce[2]");
      });
    }
    var outputDir = Path.of((String) outputs(node(mapReduce, "setup")).get("outputDir"));
    for (int i = 0; i < 3; i++) {
      var part = outputDir.resolve("part-" + i).toString();
      assertThat(data).filteredOn(d -> part.equals(d.get("uri"))).singleElement()
          .extracting(d -> d.get("producedBy"), d -> d.get("consumedBy"))
          .containsExactly("watch-reduce[" + i + "]", List.of("stage-out"));
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theConvergingSimulationIsPostProcessedOnlyWhenItConverged() throws Exception {
    var input = "file://" + WORKSPACE.resolve("sources/input.txt");
    var converged = api().submit("""
        {"experimentType": "converging-simulation", "inputs": {"input-file": "%s", "steps": 40, "alpha": 8, "tolerance": 0.1}}"""
        .formatted(input));
    var diverged = api().submit("""
        {"experimentType": "converging-simulation", "inputs": {"input-file": "%s", "steps": 40, "alpha": 0.1, "tolerance": 0.1}}"""
        .formatted(input));
    api().awaitState(converged, "COMPLETED", RUN);
    api().awaitState(diverged, "COMPLETED", RUN);

    var staged = (List<Map<String, Object>>) outputs(node(converged, "stage-out")).get("files");
    assertThat(staged).extracting(file -> file.get("name")).contains("CONVERGED", "result.out");
    var summary = (List<Map<String, Object>>) outputs(node(converged, "collect-summary")).get("files");
    assertThat(Files.readString(Path.of((String) summary.get(0).get("path")))).contains("alpha: 8", "values: 8");

    assertThat((List<Map<String, Object>>) outputs(node(diverged, "stage-out")).get("files"))
        .extracting(file -> file.get("name")).doesNotContain("CONVERGED");
    for (var key : List.of("post-process", "watch-post", "collect-summary")) {
      assertThat(node(diverged, key)).containsEntry("state", "SKIPPED").containsEntry("isExecuted", false);
    }
  }

  @Test
  @SuppressWarnings("unchecked")
  void theEnsembleRunsEachSimulationAsAChildExperimentAndSummarisesThem() {
    var id = api().submit("""
        {"experimentType": "simulation-ensemble", "inputs": {"input-file": "file://%s", "alphas": [8, 0.1], "steps": 40, "tolerance": 0.1}}"""
        .formatted(WORKSPACE.resolve("sources/input.txt")));
    api().awaitState(id, "COMPLETED", RUN);

    var summary = outputs(node(id, "summary"));
    var children = (List<String>) summary.get("experiments");
    assertThat(children).hasSize(2).doesNotHaveDuplicates();
    for (var child : children) {
      assertThat((String) read(api().get("/api/v1/experiments/" + child), "$.state")).isEqualTo("COMPLETED");
    }
    // alpha 8 converged and was post-processed; alpha 0.1 did not, and its post-processing was skipped
    assertThat(node(children.get(0), "collect-summary")).containsEntry("state", "SUCCEEDED");
    assertThat(node(children.get(1), "collect-summary")).containsEntry("state", "SKIPPED");
    assertThat((List<Object>) summary.get("results")).hasSize(2);
  }

  @Test
  void anInputOutsideTheAllowedDirectoriesFailsAtOnceWithoutARetry() {
    var id = api().submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///etc/passwd"}}""");
    api().awaitState(id, "FAILED", RUN);
    var stageIn = node(id, "stage-in");
    assertThat(stageIn.get("attempt")).isEqualTo(1);
    assertThat(read(api().get("/api/v1/experiments/" + id), "$.reason").toString())
        .contains("stage-in").contains("/etc/passwd is outside the allowed directories");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/etc/passwd", "--input=/etc/passwd", "file:///etc/passwd", "../../other/result.out"})
  void aCommandArgumentNamingAFileOutsideTheExperimentFailsTheJobAtOnce(String argument) {
    var type = Api.registerTemplate(templates, "path-arg", """
        inputs:
          - {name: arg, type: string, required: true}
        tasks:
          - {key: run, taskType: job-submission, command: {template: [print-args, "${inputs.arg}"]}}
        """);
    var id = api().submit("""
        {"experimentType": "%s", "inputs": {"arg": "%s"}}""".formatted(type, argument));
    api().awaitState(id, "FAILED", RUN);
    assertThat(node(id, "run").get("attempt")).isEqualTo(1);
    assertThat(read(api().get("/api/v1/experiments/" + id), "$.reason").toString())
        .contains("command.template[1]").contains("is outside the allowed directories");
  }

  @Test
  @SuppressWarnings("unchecked")
  void shellMetacharactersInInputsReachTheProgramAsLiteralArguments() throws Exception {
    var type = Api.registerTemplate(templates, "literal-args", """
        inputs:
          - {name: text, type: string, required: true}
        tasks:
          - key: run
            taskType: job-submission
            command:
              template: [print-args, "${inputs.text}", "--end"]
          - key: monitor
            taskType: monitoring
            dependsOn: [run]
            params: {jobId: "${tasks.run.outputs.jobId}"}
        """);
    var tricky = "a b; touch /tmp/weft-pwned $(id) `id` | cat > x && *";
    var id = api().submit("""
        {"experimentType": "%s", "inputs": {"text": "%s"}}""".formatted(type, tricky));
    api().awaitState(id, "COMPLETED", RUN);
    var stdout = Path.of((String) outputs(node(id, "monitor")).get("stdout"));
    assertThat(stdout).hasContent(tricky + "\n--end");
    assertThat(Path.of("/tmp/weft-pwned")).doesNotExist();
  }

  @Test
  void aJobPastItsWallTimeIsKilledWithItsChildrenAndFailsTheExperiment() throws Exception {
    var id = submitSpawningJob("wall-time", "resources: {wallTime: PT2S}");
    var childPid = WORKSPACE.resolve("experiments").resolve(id).resolve("child.pid");
    api().awaitState(id, "FAILED", RUN);
    assertThat(read(api().get("/api/v1/experiments/" + id), "$.reason").toString())
        .contains("monitor").contains("timed out after PT2S");
    var child = Long.parseLong(Files.readString(childPid).trim());
    awaitDead(child);
  }

  @Test
  void cancellingAnExperimentMidJobKillsTheJobWithItsChildrenAndEndsCancelled() throws Exception {
    var id = submitSpawningJob("cancel-mid-job", "");
    var childPid = WORKSPACE.resolve("experiments").resolve(id).resolve("child.pid");
    await().atMost(RUN).until(() -> "RUNNING".equals(node(id, "monitor").get("state")) && Files.exists(childPid));
    var child = Long.parseLong(Files.readString(childPid).trim());
    assertThat(ProcessHandle.of(child).map(ProcessHandle::isAlive)).contains(true);

    assertThat(api().postJson("/api/v1/experiments/" + id + "/cancel", "{}").statusCode()).isEqualTo(202);

    api().awaitState(id, "CANCELLED", RUN);
    awaitDead(child);
    var jobId = (String) outputs(node(id, "run")).get("jobId");
    assertThat(WORKSPACE.resolve("jobs").resolve(jobId).resolve("cancelled")).exists();
  }

  /**
   * Submits a job of {@code spawn-and-wait} (it starts a child, writes the child's pid to
   * {@code child.pid} in the experiment's directory, and waits) followed by its monitoring, the
   * job's node taking {@code runExtra}.
   */
  private String submitSpawningJob(String prefix, String runExtra) {
    var type = Api.registerTemplate(templates, prefix, """
        inputs:
          - {name: pidfile, type: string, required: true}
        tasks:
          - key: run
            taskType: job-submission
            command:
              template: [spawn-and-wait, "${inputs.pidfile}"]
            %s
          - key: monitor
            taskType: monitoring
            dependsOn: [run]
            params: {jobId: "${tasks.run.outputs.jobId}"}
        """.formatted(runExtra));
    return api().submit("""
        {"experimentType": "%s", "inputs": {"pidfile": "child.pid"}}""".formatted(type));
  }

  private static void awaitDead(long pid) {
    await().atMost(Duration.ofSeconds(10))
        .until(() -> !ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  void everyTaskTypeIsListedAsALiveWorkerWithItsLoad() {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
      List<String> types = read(api().get("/api/v1/workers"), "$.items[*].taskType");
      assertThat(types).contains("env-setup", "input-staging", "job-submission", "monitoring", "output-staging");
    });
    List<Object> capacity = read(api().get("/api/v1/workers"), "$.items[*].registration.capacity");
    assertThat(capacity).allMatch(value -> ((Number) value).intValue() == 4);
  }

  @ParameterizedTest
  @ValueSource(strings = {"output-staging", "job-submission", "env-setup"})
  void aDispatchWhoseExperimentIdCouldNameAnotherDirectoryFailsBeforeItsHandlerRuns(String taskType) throws Exception {
    var dispatchId = "unsafe-" + taskType + "-" + System.nanoTime();
    var dispatch = """
        {"dispatchId": "%s", "experimentId": "../../escaped", "taskId": "t-1", "taskKey": "stage-out",
         "taskType": "%s", "attempt": 1, "context": {}}""".formatted(dispatchId, taskType);
    try (var results = Topic.follow(kafka, "weft.task-results");
        var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
      producer.send(new ProducerRecord<>("weft.tasks." + taskType, "x", dispatch)).get();
      var answer = new java.util.concurrent.atomic.AtomicReference<String>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (var record : results.poll(Duration.ofMillis(200))) {
          if (record.value().contains(dispatchId)) {
            answer.set(record.value());
          }
        }
        return answer.get() != null;
      });
      assertThat((String) com.jayway.jsonpath.JsonPath.read(answer.get(), "$.status")).isEqualTo("FAILED");
      assertThat((Boolean) com.jayway.jsonpath.JsonPath.read(answer.get(), "$.error.retryable")).isFalse();
      assertThat((String) com.jayway.jsonpath.JsonPath.read(answer.get(), "$.error.message")).contains("cannot name a directory");
    }
    assertThat(WORKSPACE.resolveSibling("escaped")).doesNotExist();
    assertThat(WORKSPACE.getParent().resolveSibling("escaped")).doesNotExist();
  }

  @Test
  void anUnreadableDispatchIsParkedAndTheServiceGoesOn() {
    try (var dlt = Topic.follow(kafka, "weft.tasks.env-setup.dlt");
        var producer = new KafkaProducer<String, String>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class))) {
      producer.send(new ProducerRecord<>("weft.tasks.env-setup", "x", "{not json")).get();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        for (var record : dlt.poll(Duration.ofMillis(200))) {
          if ("{not json".equals(record.value())) {
            return true;
          }
        }
        return false;
      });
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    var id = api().submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file://%s", "steps": 5}}"""
        .formatted(WORKSPACE.resolve("sources/input.txt")));
    api().awaitState(id, "COMPLETED", RUN);
  }
}
