package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.DataFile;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * Lost files re-created by re-running what wrote them, through the engine and a test worker that
 * plays the workers' input check: it answers a dispatch whose expected inputs it declares gone with
 * the lost files, as the task runtime does.
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DataReconstructionIT {

  private static final Duration RUN = Duration.ofSeconds(60);
  private static final String WORKER = "worker-data";
  /** A job whose monitoring node reports its output, read by the next task, which may run once. */
  private static final String JOB_THEN_READER = """
      tasks:
        - {key: setup, taskType: env-setup}
        - {key: run, taskType: job-submission, dependsOn: [setup], command: {template: [simulate]}}
        - {key: watch, taskType: monitoring, dependsOn: [run], params: {jobId: "${tasks.run.outputs.jobId}"}}
        - {key: read, taskType: output-staging, dependsOn: [watch], retry: {maxAttempts: 1}}
      """;

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  Api api;
  TestWorker worker;
  final List<List<String>> expectedByReader = new java.util.concurrent.CopyOnWriteArrayList<>();

  @BeforeAll
  void startWorker() {
    api = new Api(port);
    worker = new TestWorker(kafka, WORKER, TestWorker.succeedAtOnce(WORKER));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  /** A success that reports the files it wrote and read. */
  private static TaskResult succeeded(TaskDispatch dispatch, List<DataFile> produced, List<DataFile> consumed) {
    return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.SUCCEEDED, Map.of(), null, WORKER, Instant.now(), produced, consumed);
  }

  private static DataFile output(TaskDispatch dispatch) {
    return new DataFile("/scratch/" + dispatch.experimentId() + "/result.out", "local", 42L, null);
  }

  /** The monitoring node reports the job's output; the reader finds it gone the first {@code losses} times. */
  private TestWorker.Behaviour jobThenReader(int losses, AtomicInteger lostSoFar) {
    return dispatch -> switch (dispatch.taskKey()) {
      case "watch" -> succeeded(dispatch, List.of(output(dispatch)), List.of());
      case "read" -> {
        @SuppressWarnings("unchecked")
        var expected = (List<Map<String, Object>>) ((Map<String, Object>) dispatch.context().get("data")).get("inputs");
        expectedByReader.add(expected.stream().map(f -> (String) f.get("uri")).toList());
        yield lostSoFar.getAndIncrement() < losses
            ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error(
                "input " + output(dispatch).uri() + " on local is missing", false, List.of(output(dispatch))), WORKER)
            : TestWorker.success(dispatch, WORKER);
      }
      default -> TestWorker.success(dispatch, WORKER);
    };
  }

  @Test
  @SuppressWarnings("unchecked")
  void aLostJobOutputReRunsTheJobAndItsMonitorThenItsReaderWithoutSpendingItsAttempts() {
    expectedByReader.clear();
    var type = Api.registerTemplate(templates, "lost-output", JOB_THEN_READER);
    worker.behaveFor(type, jobThenReader(1, new AtomicInteger()));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "COMPLETED", RUN);

    // each time, the reader was told which file to check
    assertThat(expectedByReader).hasSize(2).containsOnly(List.of("/scratch/" + id + "/result.out"));
    // the job and the monitoring node that reported its output ran again; the setup did not
    assertThat(worker.keys(id)).containsExactly("setup", "run", "watch", "read", "run", "watch", "read");
    var run = api.node(id, "run");
    assertThat((List<String>) run.get("reexecutions")).singleElement().asString()
        .contains("re-create /scratch/" + id + "/result.out on local", "lost when read was to read it");
    assertThat((List<String>) api.node(id, "watch").get("reexecutions")).hasSize(1);
    assertThat((List<String>) api.node(id, "setup").get("reexecutions")).isEmpty();
    assertThat(run.get("isExecuted")).isEqualTo(true);
    // the reader may run once, and did: the attempt that found its input gone did not count
    assertThat(api.node(id, "read").get("state")).isEqualTo("SUCCEEDED");

    List<String> details = read(api.get("/api/v1/experiments/" + id + "/events"),
        "$.items[?(@.taskKey == 'read' && @.state == 'WAITING')].detail");
    assertThat(details).singleElement().asString().contains("attempt 1 did not run: input /scratch/", "is missing");
    List<Map<String, Object>> data = read(api.get("/api/v1/experiments/" + id + "/data"), "$.items");
    assertThat(data).singleElement().satisfies(d -> {
      assertThat(d.get("state")).isEqualTo("AVAILABLE");
      assertThat(d.get("producedBy")).isEqualTo("watch");
    });
  }

  @Test
  void aFileLostEachTimeItIsReCreatedFailsTheExperimentNamingItPastTheBound() {
    var type = Api.registerTemplate(templates, "lost-for-good", JOB_THEN_READER);
    worker.behaveFor(type, jobThenReader(Integer.MAX_VALUE, new AtomicInteger()));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "FAILED", RUN);

    // made once, re-created three times (weft.dag.defaults.reconstructions), then given up
    assertThat(worker.keys(id).stream().filter("run"::equals)).hasSize(4);
    assertThat((String) read(api.get("/api/v1/experiments/" + id), "$.reason"))
        .contains("task 'read' failed", "input /scratch/" + id + "/result.out on local was lost again after being re-created 3 times");
    assertThat((String) read(api.get("/api/v1/experiments/" + id + "/data"), "$.items[0].state")).isEqualTo("LOST");
  }

  @Test
  void aLostFileNoTaskOfTheExperimentWroteFailsItsReaderAtOnce() {
    var type = Api.registerTemplate(templates, "lost-foreign", """
        tasks:
          - {key: make, taskType: env-setup}
          - {key: read, taskType: output-staging, dependsOn: [make]}
        """);
    var foreign = new DataFile("/shared/reference.dat", "local", 7L, null);
    worker.behaveFor(type, dispatch -> dispatch.taskKey().equals("make")
        ? succeeded(dispatch, List.of(new DataFile("/scratch/" + dispatch.experimentId() + "/made", "local", 1L, null)),
            List.of(foreign))
        : TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(),
            new TaskResult.Error("input /shared/reference.dat on local is missing", false, List.of(foreign)), WORKER));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "FAILED", RUN);

    assertThat(worker.keys(id)).containsExactly("make", "read");
    assertThat((String) read(api.get("/api/v1/experiments/" + id), "$.reason"))
        .contains("input /shared/reference.dat on local was lost, and no task of this experiment wrote it");
  }

  @Test
  void aNodeWhosePredecessorsWroteNoFilesIsDispatchedWithoutAnInputCheck() {
    var type = Api.registerTemplate(templates, "no-data", """
        tasks:
          - {key: first, taskType: env-setup}
          - {key: second, taskType: env-setup, dependsOn: [first]}
        """);
    worker.behaveFor(type, dispatch -> TestWorker.success(dispatch, WORKER));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "COMPLETED", RUN);

    await().atMost(RUN).until(() -> worker.received(id).size() == 2);
    assertThat(worker.received(id)).allSatisfy(d -> assertThat(d.context()).doesNotContainKey("data"));
  }
}
