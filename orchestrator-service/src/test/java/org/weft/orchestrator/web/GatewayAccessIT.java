package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.weft.orchestrator.WeftOrchestratorApplication;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.Keycloak;

/**
 * The API with tokens from a real Keycloak, obtained as gateways obtain them: client credentials for
 * a gateway's backend, the password grant for a researcher of a portal. Every endpoint, for every
 * role and gateway, answers only about the caller's own gateway.
 */
@SpringBootTest(classes = WeftOrchestratorApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"weft.access.clock-skew=0s", "weft.limits.gateways.gateway-c.max-running=2",
        "weft.limits.gateways.gateway-d.submissions-per-minute=2"})
@ActiveProfiles("it")
class GatewayAccessIT {

  private static final String TEMPLATE = "type: access-check\ntasks: [{key: only, taskType: noop}]\n";

  @DynamicPropertySource
  static void issuer(DynamicPropertyRegistry registry) {
    registry.add("weft.access.issuer-uri", () -> keycloak().issuer());
  }

  private static Keycloak keycloak;

  /** The realm: two gateways, an operator, a gateway's reader, a portal user, and clients to refuse. */
  private static synchronized Keycloak keycloak() {
    if (keycloak == null) {
      keycloak = Keycloak.shared();
      keycloak.serviceClient("gateway-a", List.of("gateway-admin"), true, null, null);
      keycloak.serviceClient("gateway-b", List.of("gateway-admin"), true, null, null);
      keycloak.serviceClient("operations", List.of("operator"), true, null, null);
      keycloak.serviceClient("gateway-a-reader", List.of("gateway-user"), true, "gateway-a", null);
      keycloak.serviceClient("gateway-c", List.of("gateway-user"), true, null, null);
      keycloak.serviceClient("gateway-d", List.of("gateway-user"), true, null, null);
      keycloak.serviceClient("no-audience", List.of("gateway-admin"), false, null, null);
      keycloak.serviceClient("short-lived", List.of("gateway-user"), true, "gateway-a", 2);
      keycloak.portalUser("portal-a", "gateway-a", "alice", List.of("gateway-user"));
    }
    return keycloak;
  }

  @LocalServerPort
  int port;

  private static String experimentOfA;
  private static String experimentOfB;

  @BeforeAll
  static void sharedTemplateAndOneExperimentPerGateway(@org.springframework.beans.factory.annotation.Autowired
      org.springframework.core.env.Environment environment) {
    var api = "http://localhost:" + environment.getProperty("local.server.port");
    var registered = send(api, "POST", "/api/v1/master-dags", keycloak().clientToken("operations"), "application/yaml", TEMPLATE);
    assertThat(registered.statusCode()).as(registered.body()).isIn(200, 201);
    experimentOfA = submitted(send(api, "POST", "/api/v1/experiments", keycloak().clientToken("gateway-a"),
        "application/json", "{\"experimentType\": \"access-check\", \"owner\": \"a researcher\"}"));
    experimentOfB = submitted(send(api, "POST", "/api/v1/experiments", keycloak().clientToken("gateway-b"),
        "application/json", "{\"experimentType\": \"access-check\"}"));
  }

  // ---- who is refused, and how ----

  @Test
  void aRequestWithoutATokenIsRefusedWithAProblemAndABearerChallenge() {
    var response = call("GET", "/api/v1/experiments", null);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("application/problem+json"));
    assertThat((String) JsonPath.read(response.body(), "$.type")).endsWith("/unauthorized");
  }

  @Test
  void aTokenWhoseClaimsWereAlteredIsRefused() {
    var token = keycloak().clientToken("gateway-b");
    var parts = token.split("\\.");
    var claims = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8)
        .replace("\"azp\":\"gateway-b\"", "\"azp\":\"gateway-a\"");
    var forged = parts[0] + "." + Base64.getUrlEncoder().withoutPadding().encodeToString(claims.getBytes(StandardCharsets.UTF_8))
        + "." + parts[2];
    var response = call("GET", "/api/v1/experiments/" + experimentOfA, forged);
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValueSatisfying(
        challenge -> assertThat(challenge).contains("invalid_token"));
    assertThat(response.body()).doesNotContain(claims);
  }

  @Test
  void aTokenForAnotherAudienceIsRefused() {
    assertThat(call("GET", "/api/v1/experiments", keycloak().clientToken("no-audience")).statusCode()).isEqualTo(401);
  }

  @Test
  void aTokenOfAnotherIssuerIsRefused() {
    // the master realm's token for Keycloak's own console: a real token, of another issuer and keys
    var response = call("GET", "/api/v1/experiments", keycloak().userTokenOfMasterAdmin());
    assertThat(response.statusCode()).isEqualTo(401);
  }

  @Test
  void anExpiredTokenIsRefused() {
    var token = keycloak().clientToken("short-lived");
    assertThat(call("GET", "/api/v1/experiments/" + experimentOfA, token).statusCode()).isEqualTo(200);
    await("the two-second token to expire").atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(250))
        .until(() -> call("GET", "/api/v1/experiments/" + experimentOfA, token).statusCode() == 401);
  }

  @Test
  void healthAndTheOpenApiDocumentNeedNoToken() {
    assertThat(call("GET", "/actuator/health/liveness", null).statusCode()).isEqualTo(200);
    var document = call("GET", "/v3/api-docs", null);
    assertThat(document.statusCode()).isEqualTo(200);
    assertThat((String) JsonPath.read(document.body(), "$.components.securitySchemes['gateway-token'].scheme")).isEqualTo("bearer");
    List<Object> required = JsonPath.read(document.body(), "$.security[*]['gateway-token']");
    assertThat(required).hasSize(1);
    assertThat(call("GET", "/actuator/prometheus", null).statusCode()).isEqualTo(401);
    assertThat(call("GET", "/actuator/prometheus", keycloak().clientToken("gateway-a")).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/actuator/prometheus", keycloak().clientToken("operations")).statusCode()).isEqualTo(200);
  }

  // ---- the isolation matrix: every endpoint, every role, both gateways ----

  /**
   * One experiment of gateway A, read and acted on by each caller: its own gateway's admin, reader
   * and portal user see it, the operator sees it, gateway B finds nothing there.
   */
  @ParameterizedTest(name = "{0} {1} by {2}: {3}")
  @CsvSource({
      "GET,  '',                 gateway-a,        200",
      "GET,  '',                 gateway-a-reader, 200",
      "GET,  '',                 alice,            200",
      "GET,  '',                 operations,       200",
      "GET,  '',                 gateway-b,        404",
      "GET,  /dag,               gateway-a-reader, 200",
      "GET,  /dag,               alice,            200",
      "GET,  /dag,               operations,       200",
      "GET,  /dag,               gateway-b,        404",
      "GET,  /events,            gateway-a,        200",
      "GET,  /events,            operations,       200",
      "GET,  /events,            gateway-b,        404",
      "GET,  /events/stream,     gateway-b,        404",
      "GET,  /data,              gateway-a-reader, 200",
      "GET,  /data,              operations,       200",
      "GET,  /data,              gateway-b,        404",
      "POST, /rerun,             gateway-b,        404",
      "POST, /cancel,            gateway-b,        404",
      "POST, /rerun,             alice,            409",
  })
  void anExperimentIsVisibleToItsGatewayAndTheOperatorOnly(String method, String suffix, String caller, int status) {
    var response = call(method, "/api/v1/experiments/" + experimentOfA + suffix, token(caller));
    assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
    if (status == 404) {
      assertThat(response.body()).doesNotContain("gateway-a").doesNotContain("a researcher");
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"gateway-a", "gateway-a-reader", "alice"})
  void aGatewaysListingsHoldOnlyItsOwnExperiments(String caller) {
    List<String> ids = JsonPath.read(call("GET", "/api/v1/experiments?size=500", token(caller)).body(), "$.items[*].experimentId");
    assertThat(ids).contains(experimentOfA).doesNotContain(experimentOfB);
    List<String> asked = JsonPath.read(call("GET", "/api/v1/experiments?gatewayId=gateway-b", token(caller)).body(),
        "$.items[*].experimentId");
    assertThat(asked).isEmpty();
    Integer total = JsonPath.read(call("GET", "/api/v1/experiments?gatewayId=gateway-b", token(caller)).body(), "$.total");
    assertThat(total).isZero();
  }

  @Test
  void theOperatorListsEveryGatewayAndCanNarrowToOne() {
    List<String> all = JsonPath.read(call("GET", "/api/v1/experiments?size=500", token("operations")).body(), "$.items[*].experimentId");
    assertThat(all).contains(experimentOfA, experimentOfB);
    List<String> ofB = JsonPath.read(call("GET", "/api/v1/experiments?size=500&gatewayId=gateway-b", token("operations")).body(),
        "$.items[*].experimentId");
    assertThat(ofB).contains(experimentOfB).doesNotContain(experimentOfA);
  }

  @Test
  void theGatewayAndTheSubmitterComeFromTheTokenNeverFromTheBody() {
    var alice = token("alice");
    var id = submitted(call("POST", "/api/v1/experiments", alice, "application/json", "{\"experimentType\": \"access-check\"}"));
    var experiment = call("GET", "/api/v1/experiments/" + id, alice).body();
    assertThat((String) JsonPath.read(experiment, "$.gatewayId")).isEqualTo("gateway-a");
    assertThat((String) JsonPath.read(experiment, "$.submittedBy")).isEqualTo(subject(alice));

    var claimingB = call("POST", "/api/v1/experiments", alice, "application/json",
        "{\"experimentType\": \"access-check\", \"gatewayId\": \"gateway-b\"}");
    assertThat(claimingB.statusCode()).isEqualTo(400);
    assertThat((String) JsonPath.read(claimingB.body(), "$.errors[0].field")).isEqualTo("gatewayId");
  }

  @Test
  void anIdempotencyKeyFindsOnlyItsOwnGatewaysExperiment() {
    var key = Map.of("Idempotency-Key", "order-" + System.nanoTime());
    var ofA = submitted(call("POST", "/api/v1/experiments", token("gateway-a"), "application/json",
        "{\"experimentType\": \"access-check\"}", key));
    var ofB = submitted(call("POST", "/api/v1/experiments", token("gateway-b"), "application/json",
        "{\"experimentType\": \"access-check\"}", key));
    var againA = submitted(call("POST", "/api/v1/experiments", token("gateway-a"), "application/json",
        "{\"experimentType\": \"access-check\"}", key));
    assertThat(ofB).isNotEqualTo(ofA);
    assertThat(againA).isEqualTo(ofA);
  }

  @Test
  void aGatewayAdminsTemplateIsItsGatewaysOwn() {
    var type = "private-" + Long.toString(System.nanoTime(), 36);
    var template = "type: " + type + "\ntasks: [{key: only, taskType: noop}]\n";
    assertThat(call("POST", "/api/v1/master-dags", token("gateway-a-reader"), "application/yaml", template).statusCode())
        .as("a gateway user registers no template").isEqualTo(403);
    var registered = call("POST", "/api/v1/master-dags", token("gateway-a"), "application/yaml", template);
    assertThat(registered.statusCode()).as(registered.body()).isEqualTo(201);

    assertThat(call("GET", "/api/v1/master-dags/" + type, token("alice")).statusCode()).isEqualTo(200);
    assertThat((String) JsonPath.read(call("GET", "/api/v1/master-dags/" + type, token("alice")).body(), "$.gatewayId"))
        .isEqualTo("gateway-a");
    assertThat(call("GET", "/api/v1/master-dags/" + type, token("gateway-b")).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/master-dags/" + type + "/versions/1", token("gateway-b")).statusCode()).isEqualTo(404);
    assertThat(call("GET", "/api/v1/master-dags/" + type, token("operations")).statusCode()).isEqualTo(200);
    List<String> listedForB = JsonPath.read(call("GET", "/api/v1/master-dags?size=500", token("gateway-b")).body(), "$.items[*].type");
    assertThat(listedForB).contains("access-check").doesNotContain(type);
    List<String> listedForA = JsonPath.read(call("GET", "/api/v1/master-dags?size=500", token("gateway-a")).body(), "$.items[*].type");
    assertThat(listedForA).contains("access-check", type);

    assertThat(call("POST", "/api/v1/experiments", token("alice"), "application/json",
        "{\"experimentType\": \"" + type + "\"}").statusCode()).isEqualTo(202);
    assertThat(call("POST", "/api/v1/experiments", token("gateway-b"), "application/json",
        "{\"experimentType\": \"" + type + "\"}").statusCode()).isEqualTo(404);
    var takenByB = call("POST", "/api/v1/master-dags", token("gateway-b"), "application/yaml", template);
    assertThat(takenByB.statusCode()).isEqualTo(409);
    assertThat(takenByB.body()).doesNotContain("gateway-a");
    assertThat(call("POST", "/api/v1/master-dags", token("gateway-a"), "application/yaml",
        "type: access-check\ntasks: [{key: other, taskType: noop}]\n").statusCode())
        .as("a gateway cannot take over a shared type").isEqualTo(409);
  }

  @ParameterizedTest(name = "{0} {1} by {2}: {3}")
  @CsvSource({
      "GET, /api/v1/workers,   gateway-a,  403",
      "GET, /api/v1/workers,   alice,      403",
      "GET, /api/v1/workers,   operations, 200",
      "GET, /api/v1/resources, alice,      200",
      "GET, /api/v1/resources, operations, 200",
  })
  void workersAreTheOperatorsAndResourcesAreReadByAll(String method, String path, String caller, int status) {
    assertThat(call(method, path, token(caller)).statusCode()).isEqualTo(status);
  }

  // ---- webhooks: a gateway admin's, seen by its gateway and the operator only ----

  @Test
  void aGatewaysWebhooksAreManagedByItsAdminAndNotThereForAnotherGateway() {
    var body = "{\"url\": \"http://localhost:9/hook\"}";
    assertThat(call("POST", "/api/v1/webhooks", token("gateway-a-reader"), "application/json", body).statusCode()).isEqualTo(403);
    assertThat(call("POST", "/api/v1/webhooks", token("alice"), "application/json", body).statusCode()).isEqualTo(403);
    assertThat(call("GET", "/api/v1/webhooks", token("alice")).statusCode()).isEqualTo(403);

    var made = call("POST", "/api/v1/webhooks", token("gateway-a"), "application/json", body);
    assertThat(made.statusCode()).as(made.body()).isEqualTo(201);
    String id = JsonPath.read(made.body(), "$.id");
    assertThat((String) JsonPath.read(made.body(), "$.gatewayId")).isEqualTo("gateway-a");

    for (var path : List.of("", "/deliveries", "/deliveries/msg_0")) {
      assertThat(call("GET", "/api/v1/webhooks/" + id + path, token("gateway-b")).statusCode()).as(path).isEqualTo(404);
    }
    assertThat(call("POST", "/api/v1/webhooks/" + id + "/deliveries/msg_0/redeliver", token("gateway-b"), "application/json", "")
        .statusCode()).isEqualTo(404);
    assertThat(call("DELETE", "/api/v1/webhooks/" + id, token("gateway-b")).statusCode()).isEqualTo(404);
    assertThat(JsonPath.<List<String>>read(call("GET", "/api/v1/webhooks", token("gateway-b")).body(), "$.items[*].id"))
        .doesNotContain(id);
    assertThat(JsonPath.<List<String>>read(call("GET", "/api/v1/webhooks", token("gateway-a")).body(), "$.items[*].id"))
        .contains(id);
    assertThat(JsonPath.<List<String>>read(call("GET", "/api/v1/webhooks", token("operations")).body(), "$.items[*].id"))
        .contains(id);
    assertThat(call("GET", "/api/v1/webhooks/" + id + "/deliveries", token("gateway-a")).statusCode()).isEqualTo(200);
    assertThat(call("DELETE", "/api/v1/webhooks/" + id, token("gateway-a")).statusCode()).isEqualTo(204);
    assertThat(call("GET", "/api/v1/webhooks/" + id, token("operations")).statusCode()).isEqualTo(404);
  }

  // ---- per-gateway limits ----

  @Test
  void aGatewayAtItsRunningLimitIsToldToComeBackAndTheOthersAreNot() {
    var key = Map.of("Idempotency-Key", "limited-" + System.nanoTime());
    var first = submitted(call("POST", "/api/v1/experiments", token("gateway-c"), "application/json",
        "{\"experimentType\": \"access-check\"}", key));
    submitted(call("POST", "/api/v1/experiments", token("gateway-c"), "application/json", "{\"experimentType\": \"access-check\"}"));

    var refused = call("POST", "/api/v1/experiments", token("gateway-c"), "application/json", "{\"experimentType\": \"access-check\"}");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
    assertThat((String) JsonPath.read(refused.body(), "$.type")).endsWith("/gateway-limit");
    assertThat((String) JsonPath.read(refused.body(), "$.detail")).contains("running");
    Integer listed = JsonPath.read(call("GET", "/api/v1/experiments", token("gateway-c")).body(), "$.total");
    assertThat(listed).as("a refused submission writes nothing").isEqualTo(2);

    var retried = call("POST", "/api/v1/experiments", token("gateway-c"), "application/json",
        "{\"experimentType\": \"access-check\"}", key);
    assertThat(submitted(retried)).as("the retry of an accepted submission is answered").isEqualTo(first);
    submitted(call("POST", "/api/v1/experiments", token("gateway-b"), "application/json", "{\"experimentType\": \"access-check\"}"));
  }

  @Test
  void aGatewayOverItsSubmissionRateIsToldWhenTheNextOneFits() {
    for (int i = 0; i < 2; i++) {
      submitted(call("POST", "/api/v1/experiments", token("gateway-d"), "application/json", "{\"experimentType\": \"access-check\"}"));
    }
    var refused = call("POST", "/api/v1/experiments", token("gateway-d"), "application/json", "{\"experimentType\": \"access-check\"}");
    assertThat(refused.statusCode()).isEqualTo(429);
    assertThat(Integer.parseInt(refused.headers().firstValue("Retry-After").orElseThrow())).isBetween(1, 30);
    assertThat((String) JsonPath.read(refused.body(), "$.detail")).contains("in the last minute");
  }

  // ---- helpers ----

  private static String token(String caller) {
    return caller.equals("alice") ? keycloak().userToken("portal-a", "alice") : keycloak().clientToken(caller);
  }

  private static String subject(String token) {
    var claims = new String(Base64.getUrlDecoder().decode(token.split("\\.")[1]), StandardCharsets.UTF_8);
    return JsonPath.read(claims, "$.sub");
  }

  private static String submitted(HttpResponse<String> response) {
    assertThat(response.statusCode()).as(response.body()).isEqualTo(202);
    return JsonPath.read(response.body(), "$.experimentId");
  }

  private HttpResponse<String> call(String method, String path, String token) {
    return call(method, path, token, "application/json", method.equals("POST") ? "" : null);
  }

  private HttpResponse<String> call(String method, String path, String token, String type, String body) {
    return call(method, path, token, type, body, Map.of());
  }

  private HttpResponse<String> call(String method, String path, String token, String type, String body,
      Map<String, String> headers) {
    return send("http://localhost:" + port, method, path, token, type, body, headers);
  }

  private static HttpResponse<String> send(String api, String method, String path, String token, String type, String body) {
    return send(api, method, path, token, type, body, Map.of());
  }

  private static HttpResponse<String> send(String api, String method, String path, String token, String type, String body,
      Map<String, String> headers) {
    var request = HttpRequest.newBuilder(URI.create(api + path)).timeout(Duration.ofSeconds(30))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("Content-Type", type);
    }
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    return Http.send(request.build());
  }
}
