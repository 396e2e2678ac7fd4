package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/** Runs every query of docs/neo4j-browser.md against a real experiment, so the doc stays true. */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Neo4jBrowserQueriesIT {

  private static final Pattern QUERY = Pattern.compile("<!-- query: (\\S+) -->\\s*```cypher\\n(.*?)```", Pattern.DOTALL);

  @Value("${local.server.port}")
  int port;

  @Autowired
  Neo4jClient neo4j;

  Map<String, String> queries;
  String experimentId;

  @BeforeAll
  void submitAnExperimentAndReadTheDoc() throws IOException {
    var doc = Files.readString(Paths.get("..", "docs", "neo4j-browser.md"));
    queries = new LinkedHashMap<>();
    var matcher = QUERY.matcher(doc);
    while (matcher.find()) {
      queries.put(matcher.group(1), matcher.group(2));
    }
    experimentId = new Api(port).submit("""
        {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}""");
    // until the engine runs it, put the experiment where a running one with a failed attempt would be
    neo4j.query("""
            MATCH (e:Experiment {id: $id}) SET e.state = 'EXECUTING', e.startedAt = datetime()
            WITH e MATCH (e)-[:HAS_TASK]->(t:TaskNode {key: 'setup'})
            SET t.state = 'SUCCEEDED', t.isExecuted = true
            WITH e MATCH (e)-[:HAS_TASK]->(t:TaskNode {key: 'stage-in'})
            SET t.state = 'FAILED', t.attempt = 1, t.endedAt = datetime(),
                t.error = '{"message":"no such file: /data/in.dat","retryable":false}'""")
        .bind(experimentId).to("id").run();
  }

  @Test
  void theDocumentHasEveryQueryItPromises() {
    assertThat(queries).containsOnlyKeys("live-dag", "running", "failed-tasks", "master-dag", "members", "events");
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

  private List<Map<String, Object>> run(String name) {
    return run(name, experimentId);
  }

  private List<Map<String, Object>> run(String name, String experiment) {
    return List.copyOf(neo4j.query(queries.get(name))
        .bindAll(Map.of("experimentId", experiment, "type", "single-application"))
        .fetch().all());
  }
}
