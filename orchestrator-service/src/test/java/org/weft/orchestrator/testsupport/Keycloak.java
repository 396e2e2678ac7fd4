package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * A real Keycloak, the OpenID provider science gateways such as Airavata's run, from its Maven
 * Central distribution (unpacked by the build into {@code target/keycloak}), started once per test
 * JVM in development mode with an in-memory database. Keycloak needs Java 21 or newer: the JDK is
 * taken from {@code -Dweft.test.java21-home}, {@code $JAVA21_HOME}, or the newest under
 * {@code /usr/lib/jvm}. Its realm is set up through the admin REST API, as an operator would.
 */
public final class Keycloak {

  public static final String REALM = "weft";
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static Keycloak started;

  private final String base;
  private final JavaProcess process;

  private Keycloak(String base, JavaProcess process) {
    this.base = base;
    this.process = process;
  }

  /** The one Keycloak of this JVM, started at the first call; stopped when the JVM exits. */
  public static synchronized Keycloak shared() {
    if (started == null) {
      started = start();
      Runtime.getRuntime().addShutdownHook(new Thread(started.process::close));
    }
    return started;
  }

  private static Keycloak start() {
    var home = Paths.get(System.getProperty("weft.keycloak-home", "target/keycloak/keycloak-26.5.6")).toAbsolutePath();
    if (!Files.isExecutable(home.resolve("bin/kc.sh"))) {
      throw new IllegalStateException("Keycloak is not unpacked at " + home + "; run the tests through Maven (./mvnw verify)");
    }
    var ports = FreePorts.take(2);
    var environment = new HashMap<String, String>();
    environment.put("JAVA_HOME", java21().toString());
    environment.put("KC_BOOTSTRAP_ADMIN_USERNAME", "admin");
    environment.put("KC_BOOTSTRAP_ADMIN_PASSWORD", "admin");
    environment.put("JAVA_OPTS_KC_HEAP", "-Xms64m -Xmx384m");
    environment.put("JAVA_OPTS_APPEND", JavaProcess.QUICK_START);
    var command = List.of("bash", home.resolve("bin/kc.sh").toString(), "start-dev", "--db=dev-mem",
        "--http-host=127.0.0.1", "--http-port=" + ports[0], "--http-management-port=" + ports[1],
        "--hostname-strict=false");
    // a folder per test JVM: the log is appended to, and an earlier run's "Listening on" must not count
    var process = JavaProcess.command("keycloak", Paths.get("target", "keycloak-run", String.valueOf(ProcessHandle.current().pid())),
        command, environment);
    var base = "http://localhost:" + ports[0];
    var keycloak = new Keycloak(base, process);
    try {
      process.awaitOutput("Listening on:", Duration.ofMinutes(4));
      keycloak.setUpRealm();
    } catch (RuntimeException | Error e) {
      process.close();
      throw e;
    }
    return keycloak;
  }

  /** The realm's issuer, as its tokens name it. */
  public String issuer() {
    return base + "/realms/" + REALM;
  }

  /** A token of a confidential client by the client-credentials grant: how a gateway's backend calls. */
  public String clientToken(String clientId) {
    return token(Map.of("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret(clientId)));
  }

  /** A user's token through a portal's public client by the password grant: a researcher's own token. */
  public String userToken(String portalClientId, String username) {
    return token(Map.of("grant_type", "password", "client_id", portalClientId, "username", username,
        "password", username + "-password", "scope", "openid"));
  }

  private String token(Map<String, String> form) {
    var response = Http.send(HttpRequest.newBuilder(URI.create(issuer() + "/protocol/openid-connect/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(form))).build());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Keycloak refused a token: " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  /** A real token of another issuer: the master realm's, for Keycloak's own console. */
  public String userTokenOfMasterAdmin() {
    return adminToken();
  }

  private static String secret(String clientId) {
    return clientId + "-secret";
  }

  // ---- the realm: three roles, gateway clients, a portal and its user, and clients for refusals ----

  /**
   * A confidential client of a gateway's backend, with a service account holding {@code roles}.
   *
   * @param audience  whether its tokens name Weft's audience
   * @param gatewayId the {@code gateway_id} claim its tokens carry; null for none (the client id is
   *                  then the gateway)
   * @param lifespan  its tokens' lifetime in seconds; null for the realm's
   */
  public void serviceClient(String clientId, List<String> roles, boolean audience, String gatewayId, Integer lifespan) {
    var attributes = new HashMap<String, Object>();
    if (lifespan != null) {
      attributes.put("access.token.lifespan", String.valueOf(lifespan));
    }
    var id = createClient(Map.of("clientId", clientId, "secret", secret(clientId), "publicClient", false,
        "serviceAccountsEnabled", true, "standardFlowEnabled", false, "directAccessGrantsEnabled", false,
        "attributes", attributes));
    mappers(id, audience, gatewayId);
    var user = admin("GET", "/clients/" + id + "/service-account-user", null);
    grant(user.get("id").asString(), roles);
  }

  /** A portal's public client and one user of it, {@code username} with password {@code <username>-password}. */
  public void portalUser(String portalClientId, String gatewayId, String username, List<String> roles) {
    var id = createClient(Map.of("clientId", portalClientId, "publicClient", true, "standardFlowEnabled", false,
        "directAccessGrantsEnabled", true));
    mappers(id, true, gatewayId);
    admin("POST", "/users", Map.of("username", username, "enabled", true, "email", username + "@example.org",
        "emailVerified", true, "firstName", username, "lastName", "Researcher",
        "credentials", List.of(Map.of("type", "password", "value", username + "-password", "temporary", false))));
    var user = admin("GET", "/users?exact=true&username=" + username, null).get(0);
    grant(user.get("id").asString(), roles);
  }

  private void setUpRealm() {
    adminRequest("POST", base + "/admin/realms", Map.of("realm", REALM, "enabled", true, "accessTokenLifespan", 600));
    for (var role : List.of("gateway-user", "gateway-admin", "operator")) {
      admin("POST", "/roles", Map.of("name", role));
    }
  }

  private String createClient(Map<String, Object> client) {
    admin("POST", "/clients", client);
    return admin("GET", "/clients?clientId=" + client.get("clientId"), null).get(0).get("id").asString();
  }

  private void mappers(String clientId, boolean audience, String gatewayId) {
    if (audience) {
      admin("POST", "/clients/" + clientId + "/protocol-mappers/models", Map.of("name", "weft-audience",
          "protocol", "openid-connect", "protocolMapper", "oidc-audience-mapper",
          "config", Map.of("included.custom.audience", "weft", "access.token.claim", "true", "id.token.claim", "false")));
    }
    if (gatewayId != null) {
      admin("POST", "/clients/" + clientId + "/protocol-mappers/models", Map.of("name", "gateway",
          "protocol", "openid-connect", "protocolMapper", "oidc-hardcoded-claim-mapper",
          "config", Map.of("claim.name", "gateway_id", "claim.value", gatewayId, "jsonType.label", "String",
              "access.token.claim", "true")));
    }
  }

  private void grant(String userId, List<String> roles) {
    var representations = new ArrayList<Object>();
    for (var role : roles) {
      representations.add(JSON.convertValue(admin("GET", "/roles/" + role, null), Map.class));
    }
    admin("POST", "/users/" + userId + "/role-mappings/realm", representations);
  }

  private JsonNode admin(String method, String path, Object body) {
    return adminRequest(method, base + "/admin/realms/" + REALM + path, body);
  }

  private JsonNode adminRequest(String method, String url, Object body) {
    var request = HttpRequest.newBuilder(URI.create(url)).header("Authorization", "Bearer " + adminToken())
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
    HttpResponse<String> response = Http.send(request);
    if (response.statusCode() >= 300) {
      throw new IllegalStateException("Keycloak admin " + method + " " + url + ": " + response.statusCode() + " " + response.body());
    }
    return response.body().isEmpty() ? JSON.createObjectNode() : JSON.readTree(response.body());
  }

  private String adminToken() {
    var response = Http.send(HttpRequest.newBuilder(URI.create(base + "/realms/master/protocol/openid-connect/token"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form(Map.of("grant_type", "password", "client_id", "admin-cli",
            "username", "admin", "password", "admin")))).build());
    if (response.statusCode() != 200) {
      throw new IllegalStateException("Keycloak refused its admin a token: " + response.statusCode() + " " + response.body());
    }
    return JSON.readTree(response.body()).get("access_token").asString();
  }

  private static String form(Map<String, String> fields) {
    return fields.entrySet().stream()
        .map(e -> URLEncoder.encode(e.getKey(), StandardCharsets.UTF_8) + "=" + URLEncoder.encode(e.getValue(), StandardCharsets.UTF_8))
        .collect(Collectors.joining("&"));
  }

  /** A JDK of release 21 or newer, which Keycloak needs; the tests themselves run on 17. */
  static Path java21() {
    var configured = Optional.ofNullable(System.getProperty("weft.test.java21-home")).or(() -> Optional.ofNullable(System.getenv("JAVA21_HOME")));
    if (configured.isPresent()) {
      return Paths.get(configured.get());
    }
    try (Stream<Path> jdks = Files.list(Paths.get("/usr/lib/jvm"))) {
      return jdks.filter(jdk -> release(jdk) >= 21).max(java.util.Comparator.comparingInt(Keycloak::release))
          .orElseThrow(() -> new IllegalStateException("Keycloak needs a JDK 21 or newer: install one under /usr/lib/jvm "
              + "or name it with -Dweft.test.java21-home"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static int release(Path jdk) {
    try {
      for (var line : Files.readAllLines(jdk.resolve("release"))) {
        if (line.startsWith("JAVA_VERSION=")) {
          var version = line.substring("JAVA_VERSION=".length()).replace("\"", "");
          return Integer.parseInt(version.split("[.]")[0]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return 0;
  }
}
