package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import io.micrometer.core.instrument.MeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.coordination.InstanceIdentity;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.OtherInstance;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/** Experiments run for real: dispatched over Kafka to a worker, results applied, ZooKeeper markers kept. */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExecutionIT {

  private static final Duration RUN = Duration.ofSeconds(60);

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Value("${weft.zookeeper.connect-string}")
  String connectString;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TemplateService templates;

  @Autowired
  CuratorFramework zookeeper;

  @Autowired
  InstanceIdentity instance;

  @Autowired
  MeterRegistry meters;

  Api api;
  TestWorker worker;

  @BeforeAll
  void startWorker() {
    api = new Api(port);
    worker = new TestWorker(kafka, "worker-1", TestWorker.succeedAtOnce("worker-1"));
  }

  @BeforeEach
  void succeedByDefault() {
    worker.behave(TestWorker.succeedAtOnce("worker-1"));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  @Test
  void theShippedTemplatesRunToCompletionWithEveryDispatchRunOnce() throws Exception {
    var single = api.submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    var sweep = api.submit("""
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///data/in.dat"}}""");
    var mapReduce = api.submit("""
        {"experimentType": "map-reduce", "inputs": {"input-file": "file:///data/in.dat"}}""");

    for (var id : List.of(single, sweep, mapReduce)) {
      api.awaitState(id, "COMPLETED", RUN);
      var dag = api.get("/api/v1/experiments/" + id + "/dag");
      // a task repeated over an upstream output ends EXPANDED: its members ran
      List<String> states = read(dag, "$.nodes[?(@.state != 'EXPANDED')].state");
      assertThat(states).containsOnly("SUCCEEDED");
      assertThat((List<Boolean>) read(dag, "$.nodes[?(@.state != 'EXPANDED')].isExecuted")).containsOnly(true);
      // one attempt per node, and its dispatch sent once: nothing here gives a reason to send it again
      assertThat(worker.received(id)).hasSize(states.size());
      assertThat(worker.dispatchIds(id)).hasSize(states.size())
          .allSatisfy(dispatchId -> assertThat(worker.deliveries().get(dispatchId)).as(dispatchId).isEqualTo(1));
      // the marker goes right after the commit that completed the experiment
      await().atMost(RUN).until(() -> !markerExists(id));
    }
    // upstream outputs reach the dispatch: the run's command line holds the staged path
    var run = worker.received(single).stream().filter(d -> d.taskKey().equals("run")).findFirst().orElseThrow();
    var command = (Map<String, Object>) run.context().get("command");
    assertThat((List<Object>) command.get("template")).contains("/work/" + single + "/in/input.dat", "/work/" + single + "/out");
    var experiment = api.get("/api/v1/experiments/" + single);
    assertThat((Map<String, Object>) read(experiment, "$.outputs")).containsKey("stage-out");
    assertThat((String) read(experiment, "$.endedAt")).isNotNull();
  }

  @Test
  @SuppressWarnings("unchecked")
  void eachMemberOfARepeatedTaskGetsItsItemAndTheFanInGetsTheirOutputsInMemberOrder() {
    var type = Api.registerTemplate(templates, "for-each", """
        inputs: [{name: alphas, type: list, required: true}]
        tasks:
          - {key: setup, taskType: env-setup}
          - key: run
            taskType: job-submission
            dependsOn: [setup]
            forEach: "${inputs.alphas}"
            command: {template: [simulate, --alpha, "${item}", --out, "${tasks.setup.outputs.outputDir}/${index}"]}
          - {key: watch, taskType: monitoring, dependsOn: [run], forEach: "${inputs.alphas}", params: {jobId: "${tasks.run.outputs.jobId}"}}
          - {key: collect, taskType: output-staging, dependsOn: [watch], params: {jobs: "${tasks.run.outputs.jobId}", codes: "${tasks.watch.outputs.exitCode}"}}
        """);
    worker.behaveFor(type, dispatch -> TestWorker.success(dispatch, "worker-1"));

    var id = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": [0.5, "x", 7, true, 0.25]}}""".formatted(type));

    api.awaitState(id, "COMPLETED", RUN);
    var byKey = new java.util.HashMap<String, TaskDispatch>();
    worker.received(id).forEach(dispatch -> byKey.put(dispatch.taskKey(), dispatch));
    assertThat(byKey).hasSize(1 + 5 + 5 + 1);
    var run3 = (Map<String, Object>) byKey.get("run[3]").context().get("command");
    assertThat((List<Object>) run3.get("template")).containsExactly("simulate", "--alpha", true, "--out", "/work/" + id + "/out/3");
    assertThat(byKey.get("run[1]").context()).containsEntry("item", "x").containsEntry("index", 1)
        .containsEntry("templateKey", "run");
    assertThat((Map<String, Object>) byKey.get("watch[2]").context().get("params")).containsEntry("jobId", "job-run[2]");
    var collect = (Map<String, Object>) byKey.get("collect").context().get("params");
    assertThat(collect).containsEntry("jobs", List.of("job-run[0]", "job-run[1]", "job-run[2]", "job-run[3]", "job-run[4]"))
        .containsEntry("codes", List.of(0, 0, 0, 0, 0));
    List<String> templateKeys = read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes[*].templateKey");
    assertThat(templateKeys).containsExactly("setup", "run", "run", "run", "run", "run", "watch", "watch", "watch", "watch",
        "watch", "collect");

    var none = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": []}}""".formatted(type));
    api.awaitState(none, "COMPLETED", RUN);
    assertThat(worker.keys(none)).containsExactlyInAnyOrder("setup", "collect");
    var emptyFanIn = worker.received(none).stream().filter(d -> d.taskKey().equals("collect")).findFirst().orElseThrow();
    assertThat((Map<String, Object>) emptyFanIn.context().get("params")).containsEntry("jobs", List.of());
  }

  private static final String DYNAMIC = """
      inputs: [{name: chunks, type: list, required: true}]
      tasks:
        - {key: split, taskType: noop, params: {outputs: {chunks: "${inputs.chunks}"}}}
        - key: map
          taskType: job-submission
          dependsOn: [split]
          forEach: "${tasks.split.outputs.chunks}"
          command: {template: [map, --chunk, "${item}", --part, "${index}"]}
        - {key: watch, taskType: monitoring, dependsOn: [map], forEach: "${tasks.split.outputs.chunks}", params: {jobId: "${tasks.map.outputs.jobId}"}}
        - {key: reduce, taskType: output-staging, dependsOn: [watch], params: {jobs: "${tasks.map.outputs.jobId}"}}
      """;

  /** What a noop worker does: its outputs are its params.outputs. */
  private static TaskResult asNoop(TaskDispatch dispatch) {
    if (!dispatch.taskType().equals("noop")) {
      return TestWorker.success(dispatch, "worker-1");
    }
    @SuppressWarnings("unchecked")
    var outputs = (Map<String, Object>) ((Map<String, Object>) dispatch.context().get("params")).get("outputs");
    return TestWorker.result(dispatch, TaskResult.Status.SUCCEEDED, outputs, null, "worker-1");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aTaskRepeatedOverAnUpstreamOutputGetsOneMemberPerElementOnceThatOutputExists() {
    var type = Api.registerTemplate(templates, "dynamic", DYNAMIC);
    worker.behaveFor(type, ExecutionIT::asNoop);

    var id = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": ["a", "b", "${x}"]}}""".formatted(type));

    api.awaitState(id, "COMPLETED", RUN);
    var byKey = new HashMap<String, TaskDispatch>();
    worker.received(id).forEach(dispatch -> byKey.put(dispatch.taskKey(), dispatch));
    assertThat(byKey.keySet()).containsExactlyInAnyOrder("split", "map[0]", "map[1]", "map[2]", "watch[0]", "watch[1]",
        "watch[2]", "reduce");
    var map2 = (Map<String, Object>) byKey.get("map[2]").context().get("command");
    // an item is data: the ${x} a producer wrote is never read as a reference
    assertThat((List<Object>) map2.get("template")).containsExactly("map", "--chunk", "${x}", "--part", 2);
    assertThat(byKey.get("map[1]").context()).containsEntry("item", "b").containsEntry("index", 1)
        .containsEntry("templateKey", "map").doesNotContainKey("forEach");
    assertThat((Map<String, Object>) byKey.get("watch[1]").context().get("params")).containsEntry("jobId", "job-map[1]");
    assertThat((Map<String, Object>) byKey.get("reduce").context().get("params"))
        .containsEntry("jobs", List.of("job-map[0]", "job-map[1]", "job-map[2]"));
    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    List<String> keys = read(dag, "$.nodes[*].key");
    assertThat(keys).containsExactly("split", "map", "map[0]", "map[1]", "map[2]", "watch", "watch[0]", "watch[1]",
        "watch[2]", "reduce");
    List<String> states = read(dag, "$.nodes[*].state");
    assertThat(states).containsExactly("SUCCEEDED", "EXPANDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "EXPANDED",
        "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED");
    assertThat(neo4j.query("""
            MATCH (p:TaskNode {id: $id + ':map'})-[:HAS_MEMBER]->(m:TaskNode)<-[:NEXT]-(:TaskNode {key: 'split'})
            MATCH (m)-[:NEXT]->(w:TaskNode)-[:NEXT]->(:TaskNode {key: 'reduce'})
            WHERE w.key = 'watch[' + m.member + ']'
            RETURN count(m)""").bind(id).to("id").fetchAs(Long.class).one()).contains(3L);
    List<Map<String, Object>> events = read(api.get("/api/v1/experiments/" + id + "/events?size=200"), "$.items");
    assertThat(events).filteredOn(event -> "EXPANDED".equals(event.get("state")))
        .extracting(event -> event.get("taskKey") + ": " + event.get("detail"))
        .containsExactly("map: into 3 members over ${tasks.split.outputs.chunks}",
            "watch: into 3 members over ${tasks.split.outputs.chunks}");

    var none = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": []}}""".formatted(type));
    api.awaitState(none, "COMPLETED", RUN);
    assertThat(worker.keys(none)).containsExactlyInAnyOrder("split", "reduce");
    var emptyFanIn = worker.received(none).stream().filter(d -> d.taskKey().equals("reduce")).findFirst().orElseThrow();
    assertThat((Map<String, Object>) emptyFanIn.context().get("params")).containsEntry("jobs", List.of());
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRerunOfTheProducerExpandsItsRepeatedTasksAgainFromItsNewOutput() {
    var type = Api.registerTemplate(templates, "dynamic", DYNAMIC);
    var chunks = new java.util.concurrent.atomic.AtomicReference<List<Object>>(List.of("a", "b", "c"));
    worker.behaveFor(type, dispatch -> dispatch.taskType().equals("noop")
        ? TestWorker.result(dispatch, TaskResult.Status.SUCCEEDED, Map.of("chunks", chunks.get()), null, "worker-1")
        : TestWorker.success(dispatch, "worker-1"));
    var id = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": []}}""".formatted(type));
    api.awaitState(id, "COMPLETED", RUN);
    var firstRun = worker.dispatchIds(id);

    chunks.set(List.of("x", "y"));
    assertThat(api.postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"split\"}").statusCode())
        .isEqualTo(202);
    api.awaitState(id, "COMPLETED", RUN);

    List<String> keys = read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes[*].key");
    assertThat(keys).containsExactly("split", "map", "map[0]", "map[1]", "watch", "watch[0]", "watch[1]", "reduce");
    var again = worker.received(id).stream().filter(d -> !firstRun.contains(d.dispatchId())).toList();
    assertThat(again).extracting(TaskDispatch::taskKey)
        .containsExactlyInAnyOrder("split", "map[0]", "map[1]", "watch[0]", "watch[1]", "reduce");
    var reduce = again.stream().filter(d -> d.taskKey().equals("reduce")).findFirst().orElseThrow();
    assertThat((Map<String, Object>) reduce.context().get("params")).containsEntry("jobs", List.of("job-map[0]", "job-map[1]"));

    // rerunning the repeated task itself expands it again from the output its producer kept
    assertThat(api.postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"map\"}").statusCode())
        .isEqualTo(202);
    api.awaitState(id, "COMPLETED", RUN);
    assertThat((List<String>) read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes[*].key")).isEqualTo(keys);
    assertThat(worker.received(id).stream().filter(d -> d.taskKey().equals("split"))).hasSize(2);
  }

  @Test
  void anExpansionThatCannotBeMadeFailsItsNodeAndTheExperimentSayingWhy() {
    var type = Api.registerTemplate(templates, "dynamic", """
        inputs: [{name: chunks, type: list, required: true}]
        tasks:
          - {key: split, taskType: noop, params: {outputs: {one: "x", chunks: "${inputs.chunks}"}}}
          - {key: not-a-list, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.one}"}
          - {key: fields, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.chunks}", params: {name: "${item.name}"}}
        """);
    worker.behaveFor(type, ExecutionIT::asNoop);

    var id = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": [1]}}""".formatted(type));

    api.awaitState(id, "FAILED", RUN);
    assertThat((String) read(api.get("/api/v1/experiments/" + id), "$.reason"))
        .isEqualTo("task 'not-a-list' failed: forEach ${tasks.split.outputs.one} is a string, not a list");
    assertThat(api.node(id, "not-a-list").get("state")).isEqualTo("FAILED");
    assertThat(worker.keys(id)).containsExactly("split");

    var type2 = Api.registerTemplate(templates, "dynamic", """
        inputs: [{name: chunks, type: list, required: true}]
        tasks:
          - {key: split, taskType: noop, params: {outputs: {chunks: "${inputs.chunks}"}}}
          - {key: fields, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.chunks}", params: {name: "${item.name}"}}
          - {key: many, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.chunks}"}
        """);
    worker.behaveFor(type2, ExecutionIT::asNoop);
    var noField = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": [1, 2]}}""".formatted(type2));
    api.awaitState(noField, "FAILED", RUN);
    assertThat((String) read(api.get("/api/v1/experiments/" + noField), "$.reason")).isEqualTo(
        "task 'fields' failed: forEach ${tasks.split.outputs.chunks}: element 0 has no field 'name' for ${item.name} in task 'fields'");
    var huge = api.submit("""
        {"experimentType": "%s", "inputs": {"chunks": %s}}""".formatted(type2,
        java.util.stream.IntStream.range(0, 5_000).boxed().toList()));
    api.awaitState(huge, "FAILED", RUN);
    assertThat((String) read(api.get("/api/v1/experiments/" + huge), "$.reason")).isEqualTo(
        "task 'fields' failed: expanding fields, many into 5000 members each would give the experiment 10003 task nodes; "
            + "at most 10000 are allowed (weft.dag.max-expansion)");
    assertThat(worker.keys(huge)).containsExactly("split");
  }

  @Test
  @SuppressWarnings("unchecked")
  void membersThatFailWhileEnoughCanStillSucceedAreToleratedAndTheFanInGetsTheOthers() {
    var type = Api.registerTemplate(templates, "tolerant", """
        inputs: [{name: alphas, type: list, required: true}]
        tasks:
          - {key: run, taskType: job-submission, forEach: "${inputs.alphas}", minSucceeded: "50%", command: {template: [simulate, "${item}"]}}
          - {key: watch, taskType: monitoring, dependsOn: [run], forEach: "${inputs.alphas}", params: {jobId: "${tasks.run.outputs.jobId}"}}
          - {key: collect, taskType: output-staging, dependsOn: [watch], params: {jobs: "${tasks.run.outputs.jobId}", codes: "${tasks.watch.outputs.exitCode}"}}
        """);
    worker.behaveFor(type, dispatch -> dispatch.taskKey().equals("run[1]") || dispatch.taskKey().equals("run[2]")
        ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("exit code 3", false), "worker-1")
        : TestWorker.success(dispatch, "worker-1"));

    var tolerated = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": [1, 2, 3, 4]}}""".formatted(type));
    var tooMany = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": [1, 2, 3]}}""".formatted(type));

    api.awaitState(tolerated, "COMPLETED", RUN);
    List<Map<String, Object>> nodes = read(api.get("/api/v1/experiments/" + tolerated + "/dag"), "$.nodes");
    assertThat(nodes).extracting(node -> node.get("key") + " " + node.get("state") + (Boolean.TRUE.equals(node.get("tolerated")) ? " tolerated" : ""))
        .containsExactly("run[0] SUCCEEDED", "run[1] FAILED tolerated", "run[2] FAILED tolerated", "run[3] SUCCEEDED",
            "watch[0] SUCCEEDED", "watch[1] SKIPPED", "watch[2] SKIPPED", "watch[3] SUCCEEDED", "collect SUCCEEDED");
    var collect = worker.received(tolerated).stream().filter(d -> d.taskKey().equals("collect")).findFirst().orElseThrow();
    assertThat((Map<String, Object>) collect.context().get("params")).containsEntry("jobs", List.of("job-run[0]", "job-run[3]"))
        .containsEntry("codes", List.of(0, 0));
    List<Map<String, Object>> events = read(api.get("/api/v1/experiments/" + tolerated + "/events?size=200"), "$.items");
    assertThat(events).extracting(event -> event.get("taskKey") + ": " + event.get("detail"))
        .contains("run[2]: tolerated: 2 of 4 members failed, 2 must succeed (minSucceeded 50%)");

    api.awaitState(tooMany, "FAILED", RUN);
    assertThat((String) read(api.get("/api/v1/experiments/" + tooMany), "$.reason")).isEqualTo(
        "task 'run[2]' failed after 1 attempt: exit code 3; 2 of 3 members failed, 2 must succeed (minSucceeded 50%)");
  }

  @Test
  @SuppressWarnings("unchecked")
  void aSubWorkflowRunsAsAChildExperimentAndReturnsItsOutputs() {
    var child = Api.registerTemplate(templates, "child", """
        inputs: [{name: alpha, type: number, required: true}]
        tasks:
          - {key: run, taskType: job-submission, command: {template: [simulate, --alpha, "${inputs.alpha}"]}}
          - {key: watch, taskType: monitoring, dependsOn: [run], params: {jobId: "${tasks.run.outputs.jobId}"}}
        """);
    var parent = Api.registerTemplate(templates, "parent", """
        inputs: [{name: alphas, type: list, required: true}]
        tasks:
          - {key: setup, taskType: env-setup}
          - {key: sim, taskType: sub-workflow, dependsOn: [setup], forEach: "${inputs.alphas}", params: {type: %s, inputs: {alpha: "${item}"}}}
          - {key: collect, taskType: output-staging, dependsOn: [sim], params: {children: "${tasks.sim.outputs.experimentId}", runs: "${tasks.sim.outputs.outputs}"}}
        """.formatted(child));
    var failing = new java.util.concurrent.atomic.AtomicBoolean();
    worker.behave(dispatch -> failing.get() && dispatch.taskKey().equals("watch")
        ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("exit code 1", false), "worker-1")
        : TestWorker.success(dispatch, "worker-1"));

    var id = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": [0.5, 0.7]}}""".formatted(parent));

    api.awaitState(id, "COMPLETED", RUN);
    var children = neo4j.query("""
            MATCH (:Experiment {id: $id})-[:HAS_CHILD]->(c:Experiment)
            RETURN c.id AS id, c.type AS type, c.state AS state, c.parentTaskId AS task ORDER BY task""")
        .bind(id).to("id").fetch().all().stream().toList();
    assertThat(children).extracting(c -> c.get("type") + " " + c.get("state") + " " + c.get("task"))
        .containsExactly(child + " COMPLETED " + id + ":sim[0]", child + " COMPLETED " + id + ":sim[1]");
    var firstChild = (String) children.get(0).get("id");
    var run = worker.received(firstChild).stream().filter(d -> d.taskKey().equals("run")).findFirst().orElseThrow();
    assertThat((List<Object>) ((Map<String, Object>) run.context().get("command")).get("template")).contains(0.5);
    var collect = worker.received(id).stream().filter(d -> d.taskKey().equals("collect")).findFirst().orElseThrow();
    var params = (Map<String, Object>) collect.context().get("params");
    assertThat(params).containsEntry("children", List.of(firstChild, children.get(1).get("id")));
    assertThat((List<Map<String, Object>>) params.get("runs")).allSatisfy(outputs -> assertThat(outputs).containsKey("watch"));

    failing.set(true);
    var failed = api.submit("""
        {"experimentType": "%s", "inputs": {"alphas": [0.5]}}""".formatted(parent));
    api.awaitState(failed, "FAILED", RUN);
    assertThat((String) read(api.get("/api/v1/experiments/" + failed), "$.reason"))
        .startsWith("task 'sim[0]' failed after 1 attempt: child experiment ")
        .contains(" ended FAILED: task 'watch' failed after 1 attempt: exit code 1");

    // a rerun runs the sub-workflow again as a new child; the failed one stays, linked
    failing.set(false);
    assertThat(api.postJson("/api/v1/experiments/" + failed + "/rerun", "{}").statusCode()).isEqualTo(202);
    api.awaitState(failed, "COMPLETED", RUN);
    assertThat(neo4j.query("""
            MATCH (:Experiment {id: $id})-[:HAS_CHILD]->(c:Experiment) RETURN c.state ORDER BY c.createdAt""")
        .bind(failed).to("id").fetchAs(String.class).all()).containsExactly("FAILED", "COMPLETED");
  }

  @Test
  void cancellingAParentCancelsItsChildren() {
    var child = Api.registerTemplate(templates, "child", """
        tasks: [{key: run, taskType: job-submission, command: {template: [simulate]}}]
        """);
    var parent = Api.registerTemplate(templates, "parent", """
        tasks: [{key: sim, taskType: sub-workflow, params: {type: %s}}]
        """.formatted(child));
    var held = new java.util.concurrent.CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(child, dispatch -> {
      held.add(dispatch); // the child's job keeps running
      return null;
    });

    var id = api.submit("{\"experimentType\": \"%s\"}".formatted(parent));
    var childId = await().atMost(RUN).until(() -> neo4j.query(
            "MATCH (:Experiment {id: $id})-[:HAS_CHILD]->(c:Experiment) RETURN c.id")
        .bind(id).to("id").fetchAs(String.class).one(), java.util.Optional::isPresent).orElseThrow();
    await().atMost(RUN).until(() -> !worker.received(childId).isEmpty());

    assertThat(api.post("/api/v1/experiments/" + id + "/cancel", "application/json", "").statusCode()).isEqualTo(202);
    api.awaitState(childId, "CANCELLING", RUN);
    // the child's worker stops its job and says so, well within the cancel grace
    worker.send(TestWorker.result(held.get(0), TaskResult.Status.FAILED, Map.of(),
        new TaskResult.Error("cancelled", false), "worker-1"));

    api.awaitState(childId, "CANCELLED", RUN);
    api.awaitState(id, "CANCELLED", RUN);
  }

  @Test
  void aSubWorkflowOfAnUnknownTypeOrOneThatWouldRunItselfIsRefused() {
    var child = Api.registerTemplate(templates, "child", "tasks: [{key: a, taskType: env-setup}]\n");
    var parent = Api.registerTemplate(templates, "parent", """
        tasks: [{key: sim, taskType: sub-workflow, params: {type: %s}}]
        """.formatted(child));

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> Api.registerTemplate(templates, "orphan",
            "tasks: [{key: sim, taskType: sub-workflow, params: {type: no-such-type}}]\n"))
        .isInstanceOfSatisfying(org.weft.orchestrator.template.TemplateRejectedException.class, e -> assertThat(
            e.violations()).extracting(Object::toString).containsExactly(
            "tasks: a sub-workflow runs master DAG 'no-such-type', which is not registered"));
    // a new version of the child that runs the parent would run itself
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> templates.register("type: " + child + """

            tasks: [{key: again, taskType: sub-workflow, params: {type: %s}}]
            """.formatted(parent), org.weft.orchestrator.template.TemplateParser.Format.YAML))
        .isInstanceOfSatisfying(org.weft.orchestrator.template.TemplateRejectedException.class, e -> assertThat(
            e.violations()).extracting(Object::toString).containsExactly(
            "tasks: a sub-workflow would run this template's own type again: %s -> %s -> %s".formatted(child, parent, child)));
  }

  @Test
  @SuppressWarnings("unchecked")
  void aFalseConditionSkipsItsNodeAndWhatDependsOnlyOnSkippedNodesAndTheExperimentCompletes() {
    var type = Api.registerTemplate(templates, "when", """
        inputs: [{name: deep, type: boolean, default: false}]
        tasks:
          - {key: setup, taskType: env-setup}
          - {key: run, taskType: job-submission, dependsOn: [setup], command: {template: [simulate]}}
          - {key: check, taskType: monitoring, dependsOn: [run], when: "tasks.run.outputs.jobId == 'job-run'", params: {jobId: "${tasks.run.outputs.jobId}"}}
          - {key: deep, taskType: job-submission, dependsOn: [run], when: "inputs.deep", command: {template: [simulate]}}
          - {key: watch-deep, taskType: monitoring, dependsOn: [deep], params: {jobId: "${tasks.deep.outputs.jobId}"}}
          - {key: report, taskType: output-staging, dependsOn: [check, watch-deep]}
          - {key: first, taskType: env-setup, when: "!inputs.deep"}
        """);
    worker.behaveFor(type, dispatch -> TestWorker.success(dispatch, "worker-1"));

    var shallow = api.submit("{\"experimentType\": \"%s\"}".formatted(type));
    var deep = api.submit("{\"experimentType\": \"%s\", \"inputs\": {\"deep\": true}}".formatted(type));

    api.awaitState(shallow, "COMPLETED", RUN);
    api.awaitState(deep, "COMPLETED", RUN);
    var states = new java.util.LinkedHashMap<String, String>();
    List<Map<String, Object>> nodes = read(api.get("/api/v1/experiments/" + shallow + "/dag"), "$.nodes");
    nodes.forEach(node -> states.put((String) node.get("key"), (String) node.get("state")));
    assertThat(states).containsExactly(Map.entry("setup", "SUCCEEDED"), Map.entry("run", "SUCCEEDED"),
        Map.entry("check", "SUCCEEDED"), Map.entry("deep", "SKIPPED"), Map.entry("watch-deep", "SKIPPED"),
        Map.entry("report", "SUCCEEDED"), Map.entry("first", "SUCCEEDED"));
    assertThat(nodes).filteredOn(node -> node.get("state").equals("SKIPPED"))
        .allSatisfy(node -> assertThat(node.get("isExecuted")).isEqualTo(false));
    assertThat(worker.keys(shallow)).containsExactlyInAnyOrder("setup", "run", "check", "report", "first");
    assertThat(worker.keys(deep)).containsExactlyInAnyOrder("setup", "run", "check", "deep", "watch-deep", "report");
    List<Map<String, Object>> events = read(api.get("/api/v1/experiments/" + shallow + "/events?size=200"), "$.items");
    assertThat(events).filteredOn(event -> "SKIPPED".equals(event.get("state")))
        .extracting(event -> event.get("taskKey") + ": " + event.get("detail"))
        .containsExactlyInAnyOrder("deep: when is false: inputs.deep", "watch-deep: every task it depends on was skipped");
    List<String> deepStates = read(api.get("/api/v1/experiments/" + deep + "/dag"), "$.nodes[*].state");
    assertThat(deepStates).containsExactly("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "SUCCEEDED",
        "SKIPPED");
  }

  @Test
  void aConditionThatCannotBeEvaluatedFailsItsNodeAndTheExperimentSayingWhy() {
    var type = Api.registerTemplate(templates, "when", """
        tasks:
          - {key: run, taskType: job-submission, command: {template: [simulate]}}
          - {key: check, taskType: monitoring, dependsOn: [run], when: "tasks.run.outputs.jobId", params: {jobId: x}}
        """);
    worker.behaveFor(type, dispatch -> TestWorker.success(dispatch, "worker-1"));

    var id = api.submit("{\"experimentType\": \"%s\"}".formatted(type));

    api.awaitState(id, "FAILED", RUN);
    var check = api.node(id, "check");
    assertThat(check.get("state")).isEqualTo("FAILED");
    assertThat((String) read(api.get("/api/v1/experiments/" + id), "$.reason"))
        .isEqualTo("task 'check' failed: when gave 'job-run', not true or false: tasks.run.outputs.jobId");
    assertThat(worker.keys(id)).containsExactly("run");
  }

  @Test
  void aFanOutIsDispatchedInParallelAndAFanInWaitsForAllItsInputs() {
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behave(dispatch -> {
      if (!dispatch.taskKey().startsWith("run[")) {
        return TestWorker.success(dispatch, "worker-1");
      }
      held.add(dispatch);
      if (held.size() < 4) {
        return null; // keep the first three running until the fourth has been dispatched too
      }
      held.stream().limit(3).forEach(d -> worker.send(TestWorker.success(d, "worker-1")));
      return TestWorker.success(dispatch, "worker-1");
    });

    var id = api.submit("""
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///data/in.dat"}}""");

    api.awaitState(id, "COMPLETED", RUN);
    assertThat(held).extracting(TaskDispatch::taskKey).containsExactlyInAnyOrder("run[0]", "run[1]", "run[2]", "run[3]");
    var order = worker.keys(id);
    assertThat(order.indexOf("collect")).isGreaterThan(order.indexOf("monitor[0]")).isGreaterThan(order.indexOf("monitor[1]"))
        .isGreaterThan(order.indexOf("monitor[2]")).isGreaterThan(order.indexOf("monitor[3]"));
    assertThat(order).filteredOn("collect"::equals).hasSize(1);
  }

  @Test
  void aNewExperimentIsWrittenLaunchedItsRootsDispatchedAndItsStartRecordedAsOneGroupOfEvents() {
    var type = Api.registerTemplate(templates, "engine", """
        tasks:
          - {key: a, taskType: env-setup, heartbeatTimeout: PT30S, timeLimit: PT10M}
          - {key: b, taskType: env-setup, timeLimit: PT20S}
          - {key: c, taskType: env-setup, dependsOn: [a, b]}
        """);
    worker.behaveFor(type, dispatch -> null);
    long before = System.currentTimeMillis();

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");

    await().atMost(RUN).until(() -> worker.received(id).size() == 2);
    var experiment = neo4j.query("MATCH (e:Experiment {id: $id}) RETURN e {.*} AS e")
        .bind(id).to("id").fetchAs(Map.class).one().orElseThrow();
    assertThat(experiment.get("state")).isEqualTo("EXECUTING");
    assertThat(experiment.get("startedAt")).isNotNull();
    var nodes = new HashMap<String, Map<String, Object>>();
    neo4j.query("MATCH (:Experiment {id: $id})-[:HAS_TASK]->(t:TaskNode) RETURN t {.*} AS t")
        .bind(id).to("id").fetchAs(Map.class).all().forEach(t -> nodes.put((String) t.get("key"), t));
    for (var dispatch : worker.received(id)) {
      var root = nodes.get(dispatch.taskKey());
      assertThat(root).containsEntry("state", "DISPATCHED").containsEntry("attempt", 1L)
          .containsEntry("dispatchId", dispatch.dispatchId());
      long dispatchedAt = (Long) root.get("dispatchedAt");
      assertThat(dispatchedAt).isGreaterThanOrEqualTo(before);
      // queued for a worker: no deadline runs until one takes it; the message says how long it may run
      assertThat(root).doesNotContainKey("heartbeatDeadline").doesNotContainKey("timeLimitDeadline");
      assertThat(dispatch.deadline().toEpochMilli()).isEqualTo(dispatchedAt + (Long) root.get("timeLimitMs"));
      // the owner's timers look again only to send a lost dispatch again
      assertThat(root.get("wakeAt")).isEqualTo(dispatchedAt + Duration.ofMinutes(5).toMillis());
    }
    assertThat(nodes.get("c")).containsEntry("state", "WAITING").containsEntry("attempt", 0L)
        .doesNotContainKey("wakeAt");
    var groups = neo4j.query("MATCH (v:Event {experimentId: $id}) RETURN v {.*} AS v")
        .bind(id).to("id").fetchAs(Map.class).all();
    assertThat(groups).singleElement().satisfies(group -> {
      assertThat(group).containsEntry("seq", 1L).containsEntry("last", 5L);
      assertThat((List<String>) group.get("states"))
          .containsExactly("CREATED", "LAUNCHED", "EXECUTING", "DISPATCHED", "DISPATCHED");
      assertThat((List<String>) group.get("taskKeys")).containsExactly("", "", "", "a", "b");
    });
    assertThat(experiment.get("eventSeq")).isEqualTo(5L);

    worker.behave(TestWorker.succeedAtOnce("worker-1"));
    worker.received(id).forEach(dispatch -> worker.send(TestWorker.success(dispatch, "worker-1")));
    api.awaitState(id, "COMPLETED", RUN);
  }

  @Test
  void aRetryableFailureIsRetriedAsANewAttemptThatCanSucceed() {
    var type = Api.registerTemplate(templates, "engine", """
        tasks:
          - {key: flaky, taskType: env-setup, retry: {maxAttempts: 3, backoff: PT0.2S}}
          - {key: after, taskType: env-setup, dependsOn: [flaky]}
        """);
    worker.behaveFor(type, dispatch -> dispatch.taskKey().equals("flaky") && dispatch.attempt() == 1
        ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("disk busy", true), "worker-1")
        : TestWorker.success(dispatch, "worker-1"));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");

    api.awaitState(id, "COMPLETED", RUN);
    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    assertThat((List<Integer>) read(dag, "$.nodes[?(@.key == 'flaky')].attempt")).containsExactly(2);
    assertThat(worker.keys(id)).containsExactly("flaky", "flaky", "after");
    var details = (List<String>) read(api.get("/api/v1/experiments/" + id + "/events"), "$.items[*].detail");
    assertThat(details).anySatisfy(d -> assertThat(d).contains("attempt 1 of 3 failed, retrying: disk busy"));
  }

  @Test
  void aFailureThatExhaustsItsRetriesFailsTheExperimentNamingTheNode() throws Exception {
    var type = Api.registerTemplate(templates, "engine", """
        tasks:
          - {key: doomed, taskType: env-setup, retry: {maxAttempts: 2, backoff: PT0.1S}}
          - {key: never, taskType: env-setup, dependsOn: [doomed]}
        """);
    worker.behaveFor(type, dispatch -> TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(),
        new TaskResult.Error("quota exceeded", true), "worker-1"));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");

    api.awaitState(id, "FAILED", RUN);
    var experiment = api.get("/api/v1/experiments/" + id);
    assertThat((String) read(experiment, "$.reason")).isEqualTo("task 'doomed' failed after 2 attempts: quota exceeded");
    assertThat(worker.keys(id)).containsExactly("doomed", "doomed");
    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    assertThat((List<String>) read(dag, "$.nodes[?(@.key == 'never')].state")).containsExactly("WAITING");
    assertThat((List<String>) read(dag, "$.nodes[?(@.key == 'doomed')].error.message")).containsExactly("quota exceeded");
    await().atMost(RUN).until(() -> !markerExists(id));
  }

  @Test
  void aPermanentFailureFailsAtOnce() {
    var type = Api.registerTemplate(templates, "engine", "tasks: [{key: bad-input, taskType: env-setup, retry: {maxAttempts: 5}}]\n");
    worker.behaveFor(type, dispatch -> TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(),
        new TaskResult.Error("no such file", false), "worker-1"));

    var id = api.submit("{\"experimentType\": \"" + type + "\"}");

    api.awaitState(id, "FAILED", RUN);
    assertThat(worker.keys(id)).containsExactly("bad-input");
  }

  @Test
  void anAttemptThatWentSilentAfterItsWorkerTookItIsCancelledAndRetriedAfterItsHeartbeatTimeout() {
    var type = Api.registerTemplate(templates, "engine", "tasks: [{key: quiet, taskType: env-setup, heartbeatTimeout: PT1S, retry: {maxAttempts: 2, backoff: PT0S}}]\n");
    // one heartbeat, then nothing: the worker took the attempt and died
    worker.behaveFor(type, dispatch -> dispatch.attempt() == 1
        ? TestWorker.result(dispatch, TaskResult.Status.RUNNING, Map.of(), null, "worker-1")
        : TestWorker.success(dispatch, "worker-1"));
    try (var control = Topic.follow(kafka, "weft.task-control")) {
      var id = api.submit("{\"experimentType\": \"" + type + "\"}");

      api.awaitState(id, "COMPLETED", RUN);
      assertThat(worker.received(id)).extracting(TaskDispatch::attempt).containsExactly(1, 2);
      var cancels = new ArrayList<String>();
      await().atMost(RUN).until(() -> {
        control.poll(Duration.ofMillis(200)).forEach(r -> cancels.add(r.value()));
        return cancels.stream().anyMatch(c -> c.contains(id + ":quiet") && c.contains("CANCEL"));
      });
    }
  }

  @Test
  void anAttemptWaitingForAWorkerIsNeverTimedOutHoweverLongItWaits() {
    var type = Api.registerTemplate(templates, "engine",
        "tasks: [{key: queued, taskType: env-setup, heartbeatTimeout: PT1S, timeLimit: PT2S, retry: {maxAttempts: 2, backoff: PT0S}}]\n");
    var dispatched = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      dispatched.add(dispatch);
      return null;
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(RUN).until(() -> !dispatched.isEmpty());

    // four times the heartbeat timeout, twice the time limit, and several ticks later: still the first attempt, queued
    long until = System.nanoTime() + Duration.ofSeconds(4).toNanos();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(250)).until(() -> {
      assertThat(api.node(id, "queued")).containsEntry("state", "DISPATCHED").containsEntry("attempt", 1);
      return System.nanoTime() > until;
    });
    worker.send(TestWorker.success(dispatched.get(0), "worker-1"));

    api.awaitState(id, "COMPLETED", RUN);
    assertThat(dispatched).hasSize(1);
    assertThat(api.node(id, "queued")).containsEntry("attempt", 1);
  }

  @Test
  void anAttemptThatKeepsHeartbeatingPastItsTimeLimitIsStoppedAndRetried() {
    var type = Api.registerTemplate(templates, "engine",
        "tasks: [{key: endless, taskType: env-setup, heartbeatTimeout: PT1S, timeLimit: PT2S, retry: {maxAttempts: 2, backoff: PT0S}}]\n");
    var dispatched = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      dispatched.add(dispatch);
      return dispatch.attempt() == 1
          ? TestWorker.result(dispatch, TaskResult.Status.RUNNING, Map.of(), null, "worker-1")
          : TestWorker.success(dispatch, "worker-1");
    });
    try (var control = Topic.follow(kafka, "weft.task-control")) {
      var id = api.submit("{\"experimentType\": \"" + type + "\"}");
      await().atMost(RUN).until(() -> !dispatched.isEmpty());

      // the first attempt stays alive by its heartbeats, well within their timeout, until its time limit ends it
      var first = dispatched.get(0);
      await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(300)).until(() -> {
        worker.send(TestWorker.result(first, TaskResult.Status.RUNNING, Map.of(), null, "worker-1"));
        return dispatched.size() > 1;
      });

      api.awaitState(id, "COMPLETED", RUN);
      assertThat(dispatched).extracting(TaskDispatch::attempt).containsExactly(1, 2);
      assertThat(api.get("/api/v1/experiments/" + id + "/events").body()).contains("exceeded its time limit of PT2S");
      var commands = new ArrayList<String>();
      await().atMost(RUN).until(() -> {
        control.poll(Duration.ofMillis(200)).forEach(r -> commands.add(r.value()));
        return commands.stream().anyMatch(c -> c.contains(first.dispatchId()) && c.contains("CANCEL"));
      });
    }
  }

  @Test
  void weftsOwnMetersAreServedToPrometheus() {
    var id = api.submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    api.awaitState(id, "COMPLETED", RUN);

    var scrape = api.get("/actuator/prometheus");

    assertThat(scrape.statusCode()).isEqualTo(200);
    assertThat(scrape.body())
        .containsPattern("(?m)^weft_task_dispatches_total\\{.*task_type=\"env-setup\".*\\} [1-9]")
        .containsPattern("(?m)^weft_task_results_total\\{.*outcome=\"applied\".*status=\"succeeded\".*\\} [1-9]")
        .containsPattern("(?m)^weft_engine_results_batch_seconds_count\\{.*\\} [1-9]")
        .containsPattern("(?m)^weft_experiments_owned\\{")
        .containsPattern("(?m)^weft_engine_unsent\\{")
        .containsPattern("(?m)^weft_events_unpublished\\{");
  }

  @Test
  void heartbeatsMarkTheNodeRunningAndKeepItAlive() {
    var type = Api.registerTemplate(templates, "engine", "tasks: [{key: long, taskType: env-setup, heartbeatTimeout: PT2S}]\n");
    var dispatched = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      dispatched.add(dispatch);
      return TestWorker.result(dispatch, TaskResult.Status.RUNNING, Map.of(), null, "worker-1");
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(RUN).until(() -> !dispatched.isEmpty());
    await().atMost(RUN).until(() -> "RUNNING".equals(read(api.get("/api/v1/experiments/" + id + "/dag"), "$.nodes[0].state")));

    // a heartbeat every half second, for three times the timeout, keeps the same attempt alive
    var beat = dispatched.get(0);
    long until = System.nanoTime() + Duration.ofSeconds(6).toNanos();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500)).until(() -> {
      worker.send(TestWorker.result(beat, TaskResult.Status.RUNNING, Map.of(), null, "worker-1"));
      return System.nanoTime() > until;
    });
    worker.send(TestWorker.success(dispatched.get(0), "worker-1"));

    api.awaitState(id, "COMPLETED", RUN);
    assertThat(dispatched).hasSize(1);
  }

  @Test
  void duplicateStaleAndUnknownResultsChangeNothing() {
    var id = api.submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    api.awaitState(id, "COMPLETED", RUN);
    var before = api.get("/api/v1/experiments/" + id + "/dag").body();
    var setup = worker.received(id).get(0);
    double duplicates = count("duplicate");
    double stale = count("stale");
    double unknown = count("unknown");

    worker.send(TestWorker.success(setup, "worker-1"));
    worker.send(new TaskResult("not-the-dispatch", id, setup.taskId(), setup.attempt(), TaskResult.Status.FAILED, Map.of(),
        new TaskResult.Error("late", false), "worker-9", java.time.Instant.now()));
    worker.send(new TaskResult("d", "no-such-experiment", "no-such-experiment:x", 1, TaskResult.Status.SUCCEEDED, Map.of(),
        null, "worker-9", java.time.Instant.now()));

    await().atMost(RUN).untilAsserted(() -> {
      assertThat(count("duplicate")).isGreaterThan(duplicates);
      assertThat(count("stale")).isGreaterThan(stale);
      assertThat(count("unknown")).isGreaterThan(unknown);
    });
    assertThat(api.get("/api/v1/experiments/" + id + "/dag").body()).isEqualTo(before);
  }

  @Test
  void aMalformedResultGoesToTheDeadLetterTopicAndTheConsumerGoesOn() {
    try (var deadLetters = Topic.follow(kafka, "weft.task-results.dlt")) {
      worker.sendRaw("junk", "{this is not a task result");
      var parked = new ArrayList<String>();
      await().atMost(RUN).until(() -> {
        deadLetters.poll(Duration.ofMillis(200)).forEach(r -> parked.add(r.value()));
        return parked.contains("{this is not a task result");
      });
    }
    var id = api.submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    api.awaitState(id, "COMPLETED", RUN);
  }

  @Test
  void aRunningExperimentHasItsMarkerAndThisInstanceAsOwnerUntilItEnds() throws Exception {
    var type = Api.registerTemplate(templates, "engine", "tasks: [{key: hold, taskType: env-setup}]\n");
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      held.add(dispatch);
      return null;
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(RUN).until(() -> !held.isEmpty());

    assertThat(markerExists(id)).isTrue();
    var owner = zookeeper.getData().forPath("/weft/running-experiments/" + id + "/owner");
    assertThat(new String(owner, StandardCharsets.UTF_8)).isEqualTo(instance.id());
    assertThat(zookeeper.getChildren().forPath("/weft/instances")).contains(instance.id());

    worker.send(TestWorker.success(held.get(0), "worker-1"));
    api.awaitState(id, "COMPLETED", RUN);
    await().atMost(RUN).until(() -> !markerExists(id));
  }

  @Test
  void aNewExperimentHasItsOwnerNodeBeforeAnyoneCanSeeItExecuting() throws Exception {
    // another instance's reconciliation adopts what it finds executing without an owner node: a new
    // experiment must never look like that, or the instance that accepted it loses it
    var type = Api.registerTemplate(templates, "engine", "tasks: [{key: hold, taskType: env-setup}]\n");
    var gateway = "ownership-" + System.nanoTime();
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      held.add(dispatch);
      return null;
    });
    var seen = ConcurrentHashMap.<String>newKeySet();
    var ownerless = ConcurrentHashMap.<String>newKeySet();
    var submitting = new AtomicBoolean(true);
    var observer = CompletableFuture.runAsync(() -> {
      while (submitting.get()) {
        for (var id : neo4j.query("MATCH (e:Experiment {gatewayId: $gateway}) WHERE e.state = 'EXECUTING' RETURN e.id")
            .bind(gateway).to("gateway").fetchAs(String.class).all()) {
          if (seen.add(id) && !ownerExists(id)) {
            ownerless.add(id);
          }
        }
      }
    });
    var submitters = Executors.newFixedThreadPool(4);
    var ids = new ArrayList<java.util.concurrent.Future<String>>();
    for (int i = 0; i < 60; i++) {
      ids.add(submitters.submit(() -> api.submit(
          "{\"experimentType\": \"" + type + "\", \"gatewayId\": \"" + gateway + "\"}")));
    }
    var submitted = new ArrayList<String>();
    for (var id : ids) {
      submitted.add(id.get());
    }
    submitters.shutdown();
    await().atMost(RUN).until(() -> seen.containsAll(submitted));
    submitting.set(false);
    observer.join();

    assertThat(ownerless).isEmpty();
    await().atMost(RUN).until(() -> held.size() >= submitted.size());
    worker.behave(TestWorker.succeedAtOnce("worker-1"));
    held.forEach(dispatch -> worker.send(TestWorker.success(dispatch, "worker-1")));
    submitted.forEach(id -> api.awaitState(id, "COMPLETED", RUN));
  }

  @Test
  void aMarkerLeftWithoutOwnerOrExperimentIsRemovedButOneWithAnOwnerStays() throws Exception {
    // an instance that dies between claiming new experiments and creating them leaves such markers
    var claimedElsewhere = UUID.randomUUID().toString();
    try (var otherInstance = OtherInstance.connect(connectString, "other")) {
      otherInstance.own(claimedElsewhere);
      for (int round = 0; round < 2; round++) {
        // the second orphan is made after the first is gone: a whole sweep passes the claimed marker
        var orphan = UUID.randomUUID().toString();
        zookeeper.create().creatingParentsIfNeeded().forPath("/weft/running-experiments/" + orphan);
        await().atMost(RUN).until(() -> !markerExists(orphan));
      }

      assertThat(markerExists(claimedElsewhere)).isTrue();
      assertThat(ownerExists(claimedElsewhere)).isTrue();
    }
  }

  @Test
  void everyStateChangeIsPublishedAsACloudEvent() {
    try (var events = Topic.follow(kafka, "weft.experiment-events")) {
      var id = api.submit("""
          {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
      api.awaitState(id, "COMPLETED", RUN);
      var mine = new ArrayList<String>();
      await().atMost(RUN).until(() -> {
        events.poll(Duration.ofMillis(200)).forEach(r -> {
          if (id.equals(r.key())) {
            mine.add(r.value());
          }
        });
        return mine.stream().anyMatch(e -> e.contains("\"state\":\"COMPLETED\""));
      });
      assertThat(mine).allSatisfy(e -> assertThat(e).contains("\"specversion\":\"1.0\"").contains("\"id\":\"" + id + "/"));
      // in order, each once: 1, 2, 3, ...
      var seqs = mine.stream().map(e -> Long.parseLong(e.replaceAll(".*\"seq\":(\\d+).*", "$1"))).toList();
      assertThat(seqs).isEqualTo(java.util.stream.LongStream.rangeClosed(1, seqs.size()).boxed().toList());
      assertThat(mine).anySatisfy(e -> assertThat(e).contains("\"type\":\"org.weft.task.state\""));
      assertThat(mine).anySatisfy(e -> assertThat(e).contains("\"type\":\"org.weft.experiment.state\"")
          .contains("\"state\":\"CREATED\""));
    }
  }



  private boolean ownerExists(String id) {
    try {
      return zookeeper.checkExists().forPath("/weft/running-experiments/" + id + "/owner") != null;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private boolean markerExists(String id) throws Exception {
    return zookeeper.checkExists().forPath("/weft/running-experiments/" + id) != null;
  }

  private double count(String outcome) {
    return meters.find("weft.task.results").tag("outcome", outcome).counters().stream().mapToDouble(c -> c.count()).sum();
  }
}
