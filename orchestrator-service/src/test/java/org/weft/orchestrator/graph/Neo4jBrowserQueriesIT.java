package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.neo4j.driver.types.Node;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.Neo4jBrowserDoc;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskResult;

/** Runs every query of docs/neo4j-browser.md against a real experiment, so the doc stays true. */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Neo4jBrowserQueriesIT {

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  Neo4jClient neo4j;

  Map<String, String> queries;
  String experimentId;

  @BeforeAll
  void submitAnExperimentAndReadTheDoc() throws IOException {
    queries = Neo4jBrowserDoc.queries();
    experimentId = new Api(port).submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    // until the engine runs it, put the experiment where a running one with a failed attempt would be
    neo4j.query("""
            MATCH (e:Experiment {id: $id}) SET e.state = 'EXECUTING', e.startedAt = datetime()
            WITH e MATCH (e)-[:HAS_TASK]->(t:TaskNode {key: 'setup'})
            REMOVE t:Waiting:Ready
            SET t.state = 'SUCCEEDED', t.isExecuted = true, t:Succeeded
            WITH e MATCH (e)-[:HAS_TASK]->(t:TaskNode {key: 'stage-in'})
            REMOVE t:Waiting:Ready
            SET t.state = 'FAILED', t:Failed, t.attempt = 1, t.endedAt = datetime(),
                t.error = '{"message":"no such file: /data/in.dat","retryable":false}'""")
        .bind(experimentId).to("id").run();
  }

  @Test
  void theDocumentHasEveryQueryItPromises() {
    // the lineage queries run in TaskMicroservicesIT, against files the real services reported
    assertThat(queries).containsOnlyKeys("live-dag", "running", "failed-tasks", "master-dag", "members", "expanded",
        "children", "events", "lineage", "file-origin", "file-uses", "loss-cost",
        // and these in LostDataIT, against files lost and collected under the real services
        "reexecuted", "data-gone",
        // and this in StragglerReplicaIT, against a replica that won
        "replicas");
  }

  @Test
  void theLiveDagQueryReturnsEveryNodeAndEdgeOfTheExperiment() {
    var rows = run("live-dag");

    assertThat(rows).extracting(r -> ((org.neo4j.driver.types.Node) r.get("t")).get("key").asString()).containsOnly(
        "setup", "stage-in", "run", "monitor", "stage-out");
    assertThat(rows.stream().filter(r -> r.get("n") != null)).hasSize(4);
    assertThat(rows).allSatisfy(r -> assertThat(((org.neo4j.driver.types.Node) r.get("e")).get("id").asString())
        .isEqualTo(experimentId));
  }

  @Test
  void theRunningQueryShowsTheExperimentWithItsProgress() {
    var row = run("running").stream().filter(r -> experimentId.equals(r.get("experiment"))).findFirst().orElseThrow();

    assertThat(row).containsEntry("state", "EXECUTING").containsEntry("tasks", 5L).containsEntry("executed", 1L);
  }

  @Test
  void theFailedTasksQueryShowsTheErrorWhole() {
    var row = run("failed-tasks").stream().filter(r -> experimentId.equals(r.get("experiment"))).findFirst().orElseThrow();

    assertThat(row).containsEntry("task", "stage-in").containsEntry("taskType", "input-staging");
    assertThat((String) row.get("error")).contains("no such file: /data/in.dat");
  }

  @Test
  void theMasterDagQueryShowsTheTemplateGraph() {
    var rows = run("master-dag");

    assertThat(rows).extracting(r -> ((org.neo4j.driver.types.Node) r.get("t")).get("key").asString())
        .containsOnly("setup", "stage-in", "run", "monitor", "stage-out");
    assertThat(rows.stream().filter(r -> r.get("n") != null)).hasSize(4);
  }

  @Test
  void theEventsQueryShowsTheAuditTrail() {
    var rows = run("events");

    assertThat(rows).extracting(r -> r.get("state")).startsWith("CREATED");
  }

  @Test
  void theMembersQueryCountsTheMembersOfEachRepeatedTask() {
    var sweep = new Api(port).submit("""
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///data/in.dat", "alphas": [1, 2, 3, 4, 5, 6]}}""");
    neo4j.query("MATCH (t:TaskNode {experimentId: $id}) WHERE t.member >= 0 AND t.member < 2 SET t.state = 'FAILED'")
        .bind(sweep).to("id").run();

    var rows = run("members", sweep);

    assertThat(rows).extracting(r -> r.get("task") + " " + r.get("state") + " " + r.get("members")).containsExactly(
        "monitor FAILED 2", "monitor WAITING 4", "run FAILED 2", "run WAITING 4");
  }

  @Test
  @SuppressWarnings("unchecked")
  void theExpandedQueryDrawsEachMemberWithTheTaskItCameFromAndWhatItDependsOn() throws Exception {
    var api = new Api(port);
    var mapReduce = api.submit("""
        {"experimentType": "map-reduce", "inputs": {"input-file": "file:///data/in.dat"}}""");
    // a worker for this experiment only, whose split left three chunks
    try (var worker = new TestWorker(kafka, "browser-worker", dispatch -> !dispatch.experimentId().equals(mapReduce) ? null
        : dispatch.taskKey().equals("chunks")
            ? TestWorker.result(dispatch, TaskResult.Status.SUCCEEDED, Map.of("location", "/out", "files",
                List.of(Map.of("name", "chunk-0"), Map.of("name", "chunk-1"), Map.of("name", "chunk-2"))), null, "browser-worker")
            : TestWorker.success(dispatch, "browser-worker"))) {
      api.awaitState(mapReduce, "COMPLETED", Duration.ofSeconds(60));
    }

    var rows = run("expanded", mapReduce);

    assertThat(rows).extracting(r -> ((Node) r.get("t")).get("key").asString() + " -> " + ((Node) r.get("m")).get("key").asString()
        + " after " + ((Node) r.get("p")).get("key").asString()).containsExactlyInAnyOrder(
        "map -> map[0] after chunks", "map -> map[1] after chunks", "map -> map[2] after chunks",
        "watch-map -> watch-map[0] after map[0]", "watch-map -> watch-map[1] after map[1]",
        "watch-map -> watch-map[2] after map[2]");
  }

  @Test
  void theChildrenQueryShowsTheExperimentsItsSubWorkflowsStarted() throws InterruptedException {
    var api = new Api(port);
    var ensemble = api.submit("""
        {"experimentType": "simulation-ensemble", "inputs": {"input-file": "file:///data/in.dat", "alphas": [1, 2]}}""");
    try (var worker = new TestWorker(kafka, "browser-worker", dispatch -> List.of("simulation-ensemble", "converging-simulation")
        .contains(dispatch.context().get("experimentType")) ? TestWorker.success(dispatch, "browser-worker") : null)) {
      api.awaitState(ensemble, "COMPLETED", Duration.ofSeconds(60));
    }

    var rows = run("children", ensemble);

    assertThat(rows).extracting(r -> r.get("type") + " " + r.get("state") + " " + r.get("task")).containsExactly(
        "converging-simulation COMPLETED " + ensemble + ":member[0]", "converging-simulation COMPLETED " + ensemble + ":member[1]");
    // the live DAG draws them linked to the experiment
    assertThat(run("live-dag", ensemble)).filteredOn(r -> r.get("t") instanceof Node node && node.hasLabel("Experiment"))
        .extracting(r -> ((Node) r.get("t")).get("type").asString())
        .containsExactly("converging-simulation", "converging-simulation");
  }

  private List<Map<String, Object>> run(String name) {
    return run(name, experimentId);
  }

  private List<Map<String, Object>> run(String name, String experiment) {
    return List.copyOf(neo4j.query(queries.get(name))
        .bindAll(Map.of("experimentId", experiment, "type", "single-application"))
        .fetch().all());
  }
}
