package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weft.orchestrator.testsupport.Api.read;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.GraphSnapshot;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class MasterDagApiIT {

  @Value("${local.server.port}")
  int port;

  @Autowired
  Neo4jClient neo4j;

  Api api;

  @BeforeEach
  void setUp() {
    api = new Api(port);
  }

  @Test
  void theShippedTemplatesAreLoadedAtStartup() {
    var list = api.get("/api/v1/master-dags?size=100");

    assertThat(list.statusCode()).isEqualTo(200);
    List<String> types = read(list, "$.items[*].type");
    assertThat(types).contains("single-application", "parameter-sweep", "map-reduce");
    var single = api.get("/api/v1/master-dags/single-application");
    assertThat(single.statusCode()).isEqualTo(200);
    assertThat((List<String>) read(single, "$.tasks[*].key")).containsExactly("setup", "stage-in", "run", "monitor", "stage-out");
    assertThat((Integer) read(single, "$.version")).isEqualTo(1);
  }

  @Test
  void theTemplateGraphShowsTasksAndTheirOrder() {
    var edges = neo4j.query("""
            MATCH (:MasterDag {type: 'single-application', version: 1})-[:HAS_TEMPLATE]->(a:TaskTemplate)-[:NEXT]->(b:TaskTemplate)
            RETURN a.key + '>' + b.key AS edge ORDER BY edge""").fetchAs(String.class).all();

    assertThat(edges).containsExactly("monitor>stage-out", "run>monitor", "setup>stage-in", "stage-in>run");
  }

  @Test
  void theSameContentIsANoOpAndNewContentIsTheNextVersion() {
    var yaml = """
        type: versioned-%d
        tasks: [{key: a, taskType: env-setup}]
        """.formatted(System.nanoTime());
    var type = yaml.lines().findFirst().orElseThrow().substring("type: ".length());

    var first = api.post("/api/v1/master-dags", "application/yaml", yaml);
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(first.headers().firstValue("Location")).hasValue("/api/v1/master-dags/" + type + "/versions/1");

    var sameAsJson = api.postJson("/api/v1/master-dags", """
        {"tasks": [{"taskType": "env-setup", "key": "a"}], "type": "%s"}""".formatted(type));
    assertThat(sameAsJson.statusCode()).isEqualTo(200);
    assertThat((Integer) read(sameAsJson, "$.version")).isEqualTo(1);

    var experiment = api.submit("{\"experimentType\": \"" + type + "\"}");

    var changed = api.post("/api/v1/master-dags", "application/yaml", yaml + "description: now with words\n");
    assertThat(changed.statusCode()).isEqualTo(201);
    assertThat((Integer) read(changed, "$.version")).isEqualTo(2);
    assertThat((Integer) read(api.get("/api/v1/master-dags/" + type), "$.version")).isEqualTo(2);
    assertThat((String) read(api.get("/api/v1/master-dags/" + type + "/versions/1"), "$.description")).isNull();

    // the experiment started on version 1 keeps it; a new one gets version 2
    assertThat((Integer) read(api.get("/api/v1/experiments/" + experiment), "$.templateVersion")).isEqualTo(1);
    var later = api.submit("{\"experimentType\": \"" + type + "\"}");
    assertThat((Integer) read(api.get("/api/v1/experiments/" + later), "$.templateVersion")).isEqualTo(2);
  }

  static List<Arguments> invalidTemplates() {
    return List.of(
        Arguments.of("a cycle", """
            type: cyclic
            tasks:
              - {key: a, taskType: env-setup, dependsOn: [c]}
              - {key: b, taskType: env-setup, dependsOn: [a]}
              - {key: c, taskType: env-setup, dependsOn: [b]}
            """, "tasks", "dependency cycle: "),
        Arguments.of("an unknown dependency", """
            type: t
            tasks: [{key: a, taskType: env-setup, dependsOn: [ghost]}]
            """, "tasks[0].dependsOn", "unknown task 'ghost'"),
        Arguments.of("a duplicate key", """
            type: t
            tasks: [{key: a, taskType: env-setup}, {key: a, taskType: env-setup}]
            """, "tasks[1].key", "duplicate task key"),
        Arguments.of("an unknown task type", """
            type: t
            tasks: [{key: a, taskType: warp-drive}]
            """, "tasks[0].taskType", "unknown task type 'warp-drive'"),
        Arguments.of("an undeclared input", """
            type: t
            tasks: [{key: a, taskType: env-setup, params: {x: "${inputs.missing}"}}]
            """, "tasks[0].params", "${inputs.missing}"),
        Arguments.of("an output nobody produces", """
            type: t
            tasks:
              - {key: a, taskType: env-setup}
              - {key: b, taskType: env-setup, dependsOn: [a], params: {x: "${tasks.a.outputs.nothing}"}}
            """, "tasks[1].params", "has no output 'nothing'"),
        Arguments.of("no tasks", "type: t\ntasks: []\n", "tasks", "at least one task"),
        Arguments.of("a value of the wrong type", """
            type: t
            tasks: [{key: a, taskType: env-setup, retry: {maxAttempts: lots}}]
            """, "tasks[0].retry.maxAttempts", "whole number"),
        Arguments.of("an unknown field", """
            type: t
            tasks: [{key: a, taskType: env-setup, retries: 3}]
            """, "tasks[0].retries", "unknown field"),
        Arguments.of("a type built to break Cypher", """
            type: "x` DETACH DELETE n //"
            tasks: [{key: a, taskType: env-setup}]
            """, "type", "must match"),
        Arguments.of("a key with quotes and braces", """
            type: t
            tasks: [{key: "a'}) MATCH (n) DETACH DELETE n //", taskType: env-setup}]
            """, "tasks[0].key", "must match"),
        Arguments.of("forEach over an input that is not a list", """
            type: t
            inputs: [{name: steps, type: integer}]
            tasks: [{key: a, taskType: env-setup, forEach: "${inputs.steps}"}]
            """, "tasks[0].forEach", "forEach and matrix need a list"),
        Arguments.of("${item} outside a repeated task", """
            type: t
            tasks: [{key: a, taskType: env-setup, params: {x: "${item}"}}]
            """, "tasks[0].params", "${item} is only defined in a task with forEach or matrix"),
        Arguments.of("a written list past the expansion limit", """
            type: t
            tasks: [{key: a, taskType: env-setup, matrix: {x: [%s], y: [%s]}}]
            """.formatted(numbers(101), numbers(100)), "tasks[0].matrix", "gives 10100 members; at most 10000"));
  }

  private static String numbers(int count) {
    return String.join(", ", java.util.stream.IntStream.range(0, count).mapToObj(Integer::toString).toList());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidTemplates")
  void anInvalidTemplateIs422NamingTheProblemAndChangesNothing(String what, String yaml, String field, String message) {
    var before = GraphSnapshot.of(neo4j);

    var response = api.post("/api/v1/master-dags", "application/yaml", yaml);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    List<Map<String, String>> errors = read(response, "$.errors");
    assertThat(errors).anySatisfy(error -> {
      assertThat(error.get("field")).isEqualTo(field);
      assertThat(error.get("message")).contains(message);
    });
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void malformedYamlIs400AndChangesNothing() {
    var before = GraphSnapshot.of(neo4j);

    var response = api.post("/api/v1/master-dags", "application/yaml", "type: t\ntasks: [ {key: a\n");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat((String) read(response, "$.detail")).contains("not valid YAML at line");
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void malformedJsonIs400() {
    assertThat(api.postJson("/api/v1/master-dags", "{\"type\": ").statusCode()).isEqualTo(400);
  }

  @Test
  void aWrongContentTypeIs415() {
    var response = api.post("/api/v1/master-dags", "text/plain", "type: t");

    assertThat(response.statusCode()).isEqualTo(415);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
  }

  @Test
  void aBodyOverTheLimitIs413AndChangesNothing() {
    var before = GraphSnapshot.of(neo4j);
    var huge = "type: t\ndescription: \"" + "x".repeat(2 * 1024 * 1024) + "\"\ntasks: [{key: a, taskType: env-setup}]\n";

    var response = api.post("/api/v1/master-dags", "application/yaml", huge);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void unknownTypesAndVersionsAre404() {
    assertThat(api.get("/api/v1/master-dags/no-such-type").statusCode()).isEqualTo(404);
    assertThat(api.get("/api/v1/master-dags/single-application/versions/99").statusCode()).isEqualTo(404);
    assertThat(api.get("/api/v1/master-dags/single-application/versions/one").statusCode()).isEqualTo(400);
  }
}
