package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weft.orchestrator.testsupport.Api.read;

import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.stream.IntStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.GraphSnapshot;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.RawHttp;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class ExperimentApiIT {

  private static final String SINGLE = """
      {"experimentType": "single-application", "name": "first", "owner": "ada", "gatewayId": "gw-test",
       "inputs": {"input-file": "file:///data/in.dat", "steps": 7}}""";

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
  void aSubmissionCreatesTheLiveDagWithEveryNodesFullContext() {
    var response = api.postJson("/api/v1/experiments", SINGLE);

    assertThat(response.statusCode()).isEqualTo(202);
    String id = read(response, "$.experimentId");
    assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/experiments/" + id);
    assertThat((String) read(response, "$.state")).isEqualTo("EXECUTING");

    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    assertThat(dag.statusCode()).isEqualTo(200);
    assertThat((List<String>) read(dag, "$.nodes[*].key")).containsExactly("setup", "stage-in", "run", "monitor", "stage-out");
    assertThat((List<Boolean>) read(dag, "$.nodes[*].isExecuted")).containsOnly(false);
    assertThat((List<String>) read(dag, "$.nodes[?(@.key == 'setup')].state")).containsExactly("DISPATCHED");
    assertThat((List<String>) read(dag, "$.nodes[?(@.key != 'setup')].state")).containsOnly("WAITING");
    assertThat((List<Map<String, String>>) read(dag, "$.edges")).containsExactlyInAnyOrder(
        Map.of("from", "setup", "to", "stage-in"), Map.of("from", "stage-in", "to", "run"),
        Map.of("from", "run", "to", "monitor"), Map.of("from", "monitor", "to", "stage-out"));

    // the run node: inputs resolved (typed), upstream outputs kept for dispatch time, defaults filled in
    var run = "$.nodes[?(@.key == 'run')].context";
    assertThat((List<Object>) read(dag, run + ".command.template")).containsExactly(List.of(
        "simulate", "--steps", 7, "--input", "${tasks.stage-in.outputs.path}", "--output-dir", "${tasks.setup.outputs.outputDir}"));
    assertThat((List<Object>) read(dag, run + ".command.env.OMP_NUM_THREADS")).containsExactly("1");
    assertThat((List<Object>) read(dag, run + ".resources.memory")).containsExactly("512MiB");
    assertThat((List<Object>) read(dag, run + ".timeLimit")).containsExactly("PT15M");
    assertThat((List<Object>) read(dag, run + ".retry.maxAttempts")).containsExactly(3);
    assertThat((List<Object>) read(dag, run + ".inputs.program")).containsExactly("simulate");

    // in the graph itself, as Browser shows it: context is a JSON string, edges are NEXT
    var stored = neo4j.query("""
            MATCH (e:Experiment {id: $id})-[:INSTANCE_OF]->(m:MasterDag)
            MATCH (e)-[:HAS_TASK]->(t:TaskNode)
            OPTIONAL MATCH (t)-[n:NEXT]->(:TaskNode)
            RETURN m.type AS type, count(DISTINCT t) AS tasks, count(n) AS next, collect(DISTINCT t.isExecuted) AS executed,
                   min(size(t.context)) AS smallestContext""")
        .bind(id).to("id").fetch().one().orElseThrow();
    assertThat(stored).containsEntry("type", "single-application").containsEntry("tasks", 5L).containsEntry("next", 4L)
        .containsEntry("executed", List.of(false));
    assertThat(((Number) stored.get("smallestContext")).longValue()).isGreaterThan(100);
  }

  @Test
  void anExperimentShowsItsStateCountsAndAuditTrail() {
    var id = api.submit(SINGLE);

    var experiment = api.get("/api/v1/experiments/" + id);
    assertThat(experiment.statusCode()).isEqualTo(200);
    assertThat((String) read(experiment, "$.experimentId")).isEqualTo(id);
    assertThat((String) read(experiment, "$.state")).isEqualTo("EXECUTING");
    assertThat((String) read(experiment, "$.owner")).isEqualTo("ada");
    assertThat((Integer) read(experiment, "$.taskCounts.DISPATCHED")).isEqualTo(1);
    assertThat((Integer) read(experiment, "$.taskCounts.WAITING")).isEqualTo(4);
    assertThat((Integer) read(experiment, "$.inputs.steps")).isEqualTo(7);
    assertThat((String) read(experiment, "$.createdAt")).matches("\\d{4}-\\d\\d-\\d\\dT.*Z");

    var events = api.get("/api/v1/experiments/" + id + "/events");
    assertThat(events.statusCode()).isEqualTo(200);
    assertThat((List<String>) read(events, "$.items[*].state")).startsWith("CREATED", "LAUNCHED", "EXECUTING", "DISPATCHED");
    assertThat((List<Integer>) read(events, "$.items[*].seq")).startsWith(1, 2, 3, 4);
  }

  @Test
  void aRetryWithTheSameIdempotencyKeyReturnsTheFirstExperiment() {
    var key = Map.of("Idempotency-Key", "retry-" + UUID.randomUUID());
    var first = api.post("/api/v1/experiments", "application/json", SINGLE, key);
    var before = GraphSnapshot.of(neo4j);

    var again = api.post("/api/v1/experiments", "application/json", SINGLE, key);

    assertThat(again.statusCode()).isEqualTo(202);
    assertThat((String) read(again, "$.experimentId")).isEqualTo(read(first, "$.experimentId"));
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void concurrentSubmissionsWithOneIdempotencyKeyCreateOneExperiment() {
    var key = "race-" + UUID.randomUUID();
    var pool = Executors.newFixedThreadPool(8);
    try {
      var answers = IntStream.range(0, 8)
          .mapToObj(i -> CompletableFuture.supplyAsync(
              () -> api.post("/api/v1/experiments", "application/json", SINGLE, Map.of("Idempotency-Key", key)), pool))
          .toList().stream().map(CompletableFuture::join).toList();

      assertThat(answers).extracting(HttpResponse::statusCode).containsOnly(202);
      assertThat(answers).extracting(answer -> (String) read(answer, "$.experimentId")).hasSize(8).containsOnly(
          (String) read(answers.get(0), "$.experimentId"));
      assertThat(neo4j.query("MATCH (e:Experiment {idempotencyKey: $key}) RETURN count(e)")
          .bind(key).to("key").fetchAs(Long.class).one()).contains(1L);
    } finally {
      pool.shutdownNow();
    }
  }

  static List<Arguments> invalidInputs() {
    return List.of(
        Arguments.of("a missing required input", "{}", "inputs.input-file", "is required"),
        Arguments.of("an unknown input", "{\"input-file\": \"file:///a\", \"stepz\": 3}", "inputs.stepz", "unknown input"),
        Arguments.of("a string for an integer", "{\"input-file\": \"file:///a\", \"steps\": \"many\"}", "inputs.steps",
            "must be of type integer"),
        Arguments.of("a fraction for an integer", "{\"input-file\": \"file:///a\", \"steps\": 2.5}", "inputs.steps",
            "must be of type integer"),
        Arguments.of("a uri without scheme", "{\"input-file\": \"just/a/path\"}", "inputs.input-file", "must be of type uri"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidInputs")
  void inputsThatDoNotFitTheTemplateAre422NamingTheFieldAndChangeNothing(String what, String inputs, String field,
      String message) {
    var before = GraphSnapshot.of(neo4j);

    var response = api.postJson("/api/v1/experiments",
        "{\"experimentType\": \"single-application\", \"inputs\": " + inputs + "}");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    List<Map<String, String>> errors = read(response, "$.errors");
    assertThat(errors).anySatisfy(error -> {
      assertThat(error.get("field")).isEqualTo(field);
      assertThat(error.get("message")).contains(message);
    });
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void aSweepOverMoreValuesThanAnExperimentMayHaveNodesIs422NamingTheListAndChangesNothing() {
    var before = GraphSnapshot.of(neo4j);
    var values = String.join(",", java.util.Collections.nCopies(10_000, "0.5"));

    var response = api.postJson("/api/v1/experiments", """
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///a", "alphas": [%s]}}""".formatted(values));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
    List<Map<String, String>> errors = read(response, "$.errors");
    assertThat(errors).singleElement().satisfies(error -> {
      assertThat(error.get("field")).isEqualTo("inputs.alphas");
      assertThat(error.get("message")).isEqualTo(
          "the experiment would have 20003 task nodes; at most 10000 are allowed (weft.dag.max-expansion)");
    });
    var notAList = api.postJson("/api/v1/experiments", """
        {"experimentType": "parameter-sweep", "inputs": {"input-file": "file:///a", "alphas": "0.1,0.2"}}""");
    assertThat(notAList.statusCode()).as(notAList.body()).isEqualTo(422);
    assertThat(notAList.body()).contains("inputs.alphas").contains("must be of type list");
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  static List<Arguments> badBodies() {
    return List.of(
        Arguments.of("malformed JSON", "{\"experimentType\": ", "(body)"),
        Arguments.of("an unknown field", "{\"experimentType\": \"single-application\", \"inptus\": {}}", "inptus"),
        Arguments.of("a priority that is text", "{\"experimentType\": \"single-application\", \"priority\": \"high\"}", "priority"),
        Arguments.of("a priority out of range", "{\"experimentType\": \"single-application\", \"priority\": 1000}", "priority"),
        Arguments.of("no experiment type", "{\"inputs\": {}}", "experimentType"),
        Arguments.of("an unknown retention", "{\"experimentType\": \"single-application\", \"data\": {\"retain\": \"some\"}}",
            "data.retain"),
        Arguments.of("an unknown data setting", "{\"experimentType\": \"single-application\", \"data\": {\"verify\": \"size\"}}",
            "data.verify"),
        Arguments.of("a type built to break Cypher", "{\"experimentType\": \"x'}) DETACH DELETE n //\"}", "experimentType"),
        Arguments.of("an array instead of an object", "[1, 2]", "(body)"),
        Arguments.of("an empty body", "", "(body)"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badBodies")
  void aBadBodyIs400NamingTheFieldAndChangesNothing(String what, String body, String field) {
    var before = GraphSnapshot.of(neo4j);

    var response = api.postJson("/api/v1/experiments", body);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat((List<String>) read(response, "$.errors[*].field")).contains(field);
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void valuesCraftedToBreakCypherAreStoredAsPlainData() {
    var nasty = "'}) MATCH (n) DETACH DELETE n // `backtick` ${inputs.steps} \"quote\" {brace}";
    var before = GraphSnapshot.of(neo4j);

    var id = api.submit("""
        {"experimentType": "single-application", "name": %s, "owner": %s,
         "inputs": {"input-file": "file:///in", "program": %s}}""".formatted(quote(nasty), quote(nasty), quote(nasty)));

    var experiment = api.get("/api/v1/experiments/" + id);
    assertThat((String) read(experiment, "$.name")).isEqualTo(nasty);
    assertThat((String) read(experiment, "$.inputs.program")).isEqualTo(nasty);
    var dag = api.get("/api/v1/experiments/" + id + "/dag");
    // in a node's context until dispatch, input text keeps its ${ escaped as $${, so that resolving
    // upstream outputs reads it as data; the dispatch carries it as written
    assertThat((List<Object>) read(dag, "$.nodes[?(@.key == 'run')].context.command.template[0]"))
        .containsExactly(nasty.replace("${", "$${"));
    var after = GraphSnapshot.of(neo4j);
    assertThat(after.experiments()).isEqualTo(before.experiments() + 1);
    assertThat(after.taskNodes()).isEqualTo(before.taskNodes() + 5);
    assertThat(after.masterDags()).isEqualTo(before.masterDags());
  }

  @Test
  void anUnknownExperimentIs404Everywhere() {
    for (var path : List.of("", "/dag", "/events")) {
      var response = api.get("/api/v1/experiments/no-such-id" + path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    }
  }

  @Test
  void anUnknownExperimentTypeOrVersionIs404AndChangesNothing() {
    var before = GraphSnapshot.of(neo4j);

    assertThat(api.postJson("/api/v1/experiments", "{\"experimentType\": \"no-such-type\"}").statusCode()).isEqualTo(404);
    assertThat(api.postJson("/api/v1/experiments",
        "{\"experimentType\": \"single-application\", \"templateVersion\": 42, \"inputs\": {\"input-file\": \"file:///a\"}}")
        .statusCode()).isEqualTo(404);
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @Test
  void aWrongContentTypeIs415AndATooLargeBodyIs413() {
    assertThat(api.post("/api/v1/experiments", "text/plain", SINGLE).statusCode()).isEqualTo(415);
    var huge = "{\"experimentType\": \"single-application\", \"name\": \"" + "x".repeat(1_100_000) + "\"}";
    assertThat(api.postJson("/api/v1/experiments", huge).statusCode()).isEqualTo(413);
  }

  @Test
  void aChunkedBodyPastTheLimitIs413AndChangesNothing() {
    var before = GraphSnapshot.of(neo4j);
    var huge = ("{\"experimentType\": \"single-application\", \"name\": \"" + "x".repeat(1_100_000) + "\"}")
        .getBytes(StandardCharsets.UTF_8);
    // a body of unknown length goes in chunks, with no Content-Length for the server to refuse early
    var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/experiments"))
        .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(huge))).build();

    var response = Http.send(request);

    assertThat(response.statusCode()).isEqualTo(413);
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedRequestLines")
  void aRequestTheContainerCannotReadIsAProblemTooAndChangesNothing(String what, String target) throws Exception {
    var before = GraphSnapshot.of(neo4j);

    var answer = RawHttp.get(port, target);

    assertThat(answer.status()).as(what).isEqualTo(400);
    assertThat(answer.header("Content-Type")).as(what).startsWith("application/problem+json");
    assertThat(answer.body()).as(what).contains("\"status\":400").doesNotContain("<html").doesNotContain("Exception");
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
  }

  static List<Arguments> malformedRequestLines() {
    return List.of(
        Arguments.of("a malformed escape in the path", "/api/v1/experiments/%ZZ"),
        Arguments.of("an encoded NUL in the path", "/api/v1/experiments/a%00b"),
        Arguments.of("an overlong UTF-8 slash in the path", "/api/v1/experiments/%C0%AF"),
        Arguments.of("a malformed escape in the query", "/api/v1/experiments?state=%ZZ"),
        Arguments.of("a raw control character in the path", "/api/v1/experiments/a\u0001b"));
  }

  @Test
  void listsNewestFirstWithFiltersAndPages() {
    var gateway = "gw-" + UUID.randomUUID();
    var ids = new java.util.ArrayList<String>();
    for (int i = 0; i < 3; i++) {
      ids.add(api.submit("""
          {"experimentType": "single-application", "gatewayId": "%s", "inputs": {"input-file": "file:///a"}}""".formatted(gateway)));
    }

    var firstPage = api.get("/api/v1/experiments?gatewayId=" + gateway + "&size=2");
    assertThat(firstPage.statusCode()).isEqualTo(200);
    assertThat((Integer) read(firstPage, "$.total")).isEqualTo(3);
    assertThat((List<String>) read(firstPage, "$.items[*].experimentId")).containsExactly(ids.get(2), ids.get(1));
    var secondPage = api.get("/api/v1/experiments?gatewayId=" + gateway + "&size=2&page=1");
    assertThat((List<String>) read(secondPage, "$.items[*].experimentId")).containsExactly(ids.get(0));

    var byState = api.get("/api/v1/experiments?gatewayId=" + gateway + "&state=EXECUTING&type=single-application");
    assertThat((Integer) read(byState, "$.total")).isEqualTo(3);
    assertThat((Integer) read(api.get("/api/v1/experiments?gatewayId=" + gateway + "&state=FAILED"), "$.total")).isZero();
  }

  @Test
  void badListingParametersAre400() {
    assertThat(api.get("/api/v1/experiments?state=SLEEPING").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/experiments?size=0").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/experiments?size=100000").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/experiments?page=-1").statusCode()).isEqualTo(400);
    assertThat(api.get("/api/v1/experiments?page=abc").statusCode()).isEqualTo(400);
  }

  @Test
  void theOpenApiDocumentDescribesTheApi() {
    var document = api.get("/v3/api-docs");

    assertThat(document.statusCode()).isEqualTo(200);
    assertThat((Map<String, Object>) read(document, "$.paths")).containsKeys(
        "/api/v1/experiments", "/api/v1/experiments/{id}", "/api/v1/experiments/{id}/dag",
        "/api/v1/experiments/{id}/events", "/api/v1/master-dags", "/api/v1/master-dags/{type}");
    List<String> parameters = read(document, "$.paths.*.*.parameters[*].name");
    assertThat(parameters).as("the caller comes from the token").doesNotContain("caller");
  }

  private static String quote(String text) {
    return "\"" + text.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }
}
