package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CancelAndRerunIT {

  private static final Duration RUN = Duration.ofSeconds(60);
  private static final String CHAIN = """
      tasks:
        - {key: first, taskType: env-setup}
        - {key: second, taskType: env-setup, dependsOn: [first]}
        - {key: third, taskType: env-setup, dependsOn: [second]}
      """;

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  @Autowired
  Neo4jClient neo4j;

  Api api;
  TestWorker worker;

  @BeforeAll
  void startWorker() {
    api = new Api(port);
    worker = new TestWorker(kafka, "worker-2", TestWorker.succeedAtOnce("worker-2"));
  }

  @BeforeEach
  void succeedByDefault() {
    worker.behave(TestWorker.succeedAtOnce("worker-2"));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  @Test
  void cancelStopsDispatchingTellsWorkersToStopAndEndsCancelled() {
    var type = Api.registerTemplate(templates, "rerun", CHAIN);
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      held.add(dispatch);
      return null;
    });
    try (var control = Topic.follow(kafka, "weft.task-control")) {
      var id = api.submit("{\"experimentType\": \"" + type + "\"}");
      await().atMost(RUN).until(() -> !held.isEmpty());

      var cancel = api.postJson("/api/v1/experiments/" + id + "/cancel", "");
      assertThat(cancel.statusCode()).isEqualTo(202);
      assertThat((String) read(cancel, "$.state")).isEqualTo("CANCELLING");
      var commands = new ArrayList<String>();
      await().atMost(RUN).until(() -> {
        control.poll(Duration.ofMillis(200)).forEach(r -> commands.add(r.value()));
        return commands.stream().anyMatch(c -> c.contains(id) && c.contains("CANCEL"));
      });

      // the worker stops the attempt and says so
      worker.send(TestWorker.result(held.get(0), TaskResult.Status.FAILED, Map.of(),
          new TaskResult.Error("cancelled", false), "worker-2"));
      api.awaitState(id, "CANCELLED", RUN);
      assertEveryNodeIsLabelledWithItsStateOnly(id);
      var dag = api.get("/api/v1/experiments/" + id + "/dag");
      assertThat((List<String>) read(dag, "$.nodes[*].state")).containsOnly("CANCELLED");
      assertThat(worker.keys(id)).containsExactly("first");
      assertThat(api.postJson("/api/v1/experiments/" + id + "/cancel", "").statusCode()).isEqualTo(409);
    }
  }

  @Test
  void rerunReExecutesTheFailedTaskAndWhatFollowsAndKeepsTheExecutedOnesUpstream() {
    var type = Api.registerTemplate(templates, "rerun", CHAIN);
    worker.behaveFor(type, dispatch -> dispatch.taskKey().equals("second")
        ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("bad luck", false), "worker-2")
        : TestWorker.success(dispatch, "worker-2"));
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "FAILED", RUN);
    assertEveryNodeIsLabelledWithItsStateOnly(id);
    var firstOutputs = read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes[0].outputs");
    worker.behaveFor(type, TestWorker.succeedAtOnce("worker-2"));

    var rerun = api.postJson("/api/v1/experiments/" + id + "/rerun", "{}");

    assertThat(rerun.statusCode()).isEqualTo(202);
    assertThat((List<String>) read(rerun, "$.reset")).containsExactly("second", "third");
    api.awaitState(id, "COMPLETED", RUN);
    assertEveryNodeIsLabelledWithItsStateOnly(id);
    assertThat(worker.keys(id)).containsExactly("first", "second", "second", "third");
    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    assertThat((Object) read(dag, "$.nodes[0].outputs")).isEqualTo(firstOutputs);
    assertThat((String) read(api.get("/api/v1/experiments/" + id), "$.reason")).isNull();
  }

  @Test
  void rerunResetsWhatIsDownstreamOfTheFailedTaskNotWhatMerelyComesAfterIt() {
    // listed in this order, after-left comes after right without depending on it
    var type = Api.registerTemplate(templates, "rerun", """
        tasks:
          - {key: root, taskType: env-setup}
          - {key: left, taskType: env-setup, dependsOn: [root]}
          - {key: right, taskType: env-setup, dependsOn: [root]}
          - {key: after-left, taskType: env-setup, dependsOn: [left]}
          - {key: after-right, taskType: env-setup, dependsOn: [right]}
          - {key: join, taskType: env-setup, dependsOn: [after-left, after-right]}
        """);
    var right = new CopyOnWriteArrayList<TaskDispatch>();
    // right fails for good only once after-left has succeeded, so both branches have ended when it fails
    worker.behave(dispatch -> switch (dispatch.taskKey()) {
      case "right" -> {
        right.add(dispatch);
        yield null;
      }
      case "after-left" -> {
        await().atMost(RUN).until(() -> !right.isEmpty());
        worker.send(TestWorker.success(dispatch, "worker-2"));
        yield TestWorker.result(right.get(0), TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("bad luck", false),
            "worker-2");
      }
      default -> TestWorker.success(dispatch, "worker-2");
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "FAILED", RUN);
    var afterLeft = api.node(id, "after-left");
    assertThat(afterLeft).containsEntry("state", "SUCCEEDED");
    worker.behave(TestWorker.succeedAtOnce("worker-2"));

    var rerun = api.postJson("/api/v1/experiments/" + id + "/rerun", "{}");

    assertThat(rerun.statusCode()).isEqualTo(202);
    assertThat((List<String>) read(rerun, "$.reset")).containsExactlyInAnyOrder("right", "after-right", "join");
    api.awaitState(id, "COMPLETED", RUN);
    assertThat(worker.keys(id)).filteredOn(key -> !key.equals("right")).doesNotHaveDuplicates();
    assertThat(worker.keys(id)).filteredOn("right"::equals).hasSize(2);
    assertThat(api.node(id, "after-left")).containsEntry("attempt", afterLeft.get("attempt"))
        .containsEntry("outputs", afterLeft.get("outputs"));
  }

  @Test
  void rerunFromATaskOfACompletedExperimentRunsItAndEverythingDownstream() {
    var type = Api.registerTemplate(templates, "rerun", CHAIN);
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "COMPLETED", RUN);

    assertThat(api.postJson("/api/v1/experiments/" + id + "/rerun", "{}").statusCode())
        .as("a completed experiment has nothing failed to rerun").isEqualTo(409);
    var rerun = api.postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"second\"}");

    assertThat(rerun.statusCode()).isEqualTo(202);
    api.awaitState(id, "COMPLETED", RUN);
    assertThat(worker.keys(id)).containsExactly("first", "second", "third", "second", "third");
  }

  @Test
  void rerunAndCancelRefuseWhatTheyCannotDo() {
    var type = Api.registerTemplate(templates, "rerun", CHAIN);
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      held.add(dispatch);
      return null;
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(RUN).until(() -> !held.isEmpty());

    assertThat(api.postJson("/api/v1/experiments/" + id + "/rerun", "{}").statusCode()).as("running").isEqualTo(409);
    assertThat(api.postJson("/api/v1/experiments/no-such/rerun", "{}").statusCode()).isEqualTo(404);
    assertThat(api.postJson("/api/v1/experiments/no-such/cancel", "").statusCode()).isEqualTo(404);

    worker.send(TestWorker.success(held.get(0), "worker-2"));
    worker.behave(TestWorker.succeedAtOnce("worker-2"));
    api.awaitState(id, "COMPLETED", RUN);
    var unknownTask = api.postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"nope\"}");
    assertThat(unknownTask.statusCode()).isEqualTo(422);
    assertThat((List<String>) read(unknownTask, "$.errors[*].field")).containsExactly("fromTask");
    assertThat(api.postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTaks\": \"first\"}").statusCode()).isEqualTo(400);
  }

  /** Neo4j Browser colours nodes by label: each task node carries its state's and no other. */
  @SuppressWarnings("unchecked")
  private void assertEveryNodeIsLabelledWithItsStateOnly(String experimentId) {
    var rows = neo4j.query("MATCH (t:TaskNode {experimentId: $id}) RETURN t.state AS state, labels(t) AS labels")
        .bind(experimentId).to("id").fetch().all();
    assertThat(rows).isNotEmpty().allSatisfy(row -> assertThat((List<Object>) row.get("labels"))
        .containsExactlyInAnyOrder("TaskNode", TaskState.valueOf((String) row.get("state")).label()));
  }
}
