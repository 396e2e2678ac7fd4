package org.weft.orchestrator.testsupport;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

/** The REST API as a gateway calls it: plain HTTP and JSON text. */
public final class Api {

  private final String base;

  public Api(int port) {
    this.base = "http://localhost:" + port;
  }

  public HttpResponse<String> get(String path) {
    return Http.get(base + path);
  }

  public HttpResponse<String> post(String path, String contentType, String body) {
    return post(path, contentType, body, Map.of());
  }

  public HttpResponse<String> post(String path, String contentType, String body, Map<String, String> headers) {
    var request = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30))
        .header("Content-Type", contentType).POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(request::header);
    return Http.send(request.build());
  }

  public HttpResponse<String> postJson(String path, String json) {
    return post(path, "application/json", json);
  }

  /** Submits and returns the new experiment's id, failing the test unless the answer is 202. */
  public String submit(String json) {
    var response = postJson("/api/v1/experiments", json);
    if (response.statusCode() != 202) {
      throw new AssertionError("Expected 202 but got " + response.statusCode() + ": " + response.body());
    }
    return JsonPath.read(response.body(), "$.experimentId");
  }

  /** Waits until the experiment is in {@code state}, as a gateway polling the API would. */
  public void awaitState(String experimentId, String state, Duration atMost) {
    org.awaitility.Awaitility.await(experimentId + " to be " + state).atMost(atMost).pollInterval(Duration.ofMillis(100))
        .until(() -> state.equals(read(get("/api/v1/experiments/" + experimentId), "$.state")));
  }

  /** Waits until the node {@code key} exists and is in {@code state}. */
  public void awaitNode(String experimentId, String key, String state, Duration atMost) {
    org.awaitility.Awaitility.await(experimentId + "'s " + key + " to be " + state).atMost(atMost)
        .pollInterval(Duration.ofMillis(100))
        .until(() -> java.util.List.of(state).equals(read(get("/api/v1/experiments/" + experimentId + "/dag"),
            "$.nodes[?(@.key == '" + key + "')].state")));
  }

  /** Registers a one-off template of the given tasks under a fresh type and returns the type. */
  public static String registerTemplate(org.weft.orchestrator.engine.TemplateService templates, String prefix, String tasksYaml) {
    var type = prefix + "-" + Long.toString(System.nanoTime(), 36);
    templates.register("type: " + type + "\n" + tasksYaml, org.weft.orchestrator.template.TemplateParser.Format.YAML);
    return type;
  }

  /** One node of the experiment's live DAG, by task key. */
  public Map<String, Object> node(String experimentId, String key) {
    var dag = get("/api/v1/experiments/" + experimentId + "/dag");
    java.util.List<Map<String, Object>> nodes = read(dag, "$.nodes[?(@.key == '" + key + "')]");
    if (nodes.isEmpty()) {
      throw new AssertionError("No node " + key + " in " + dag.body());
    }
    return nodes.get(0);
  }

  /** A node's outputs. */
  @SuppressWarnings("unchecked")
  public static Map<String, Object> outputs(Map<String, Object> node) {
    return (Map<String, Object>) node.get("outputs");
  }

  /**
   * The experiment's nodes and events as lines, oldest event first: what a test that timed out
   * prints to say where the experiment was.
   */
  public String story(String experimentId) {
    var text = new StringBuilder("nodes:");
    java.util.List<Map<String, Object>> nodes = read(get("/api/v1/experiments/" + experimentId + "/dag"), "$.nodes");
    for (var node : nodes) {
      text.append("\n  ").append(node.get("key")).append(' ').append(node.get("state")).append(" attempt ")
          .append(node.get("attempt"));
    }
    text.append("\nevents:");
    java.util.List<Map<String, Object>> events = read(get("/api/v1/experiments/" + experimentId + "/events"), "$.items");
    for (var event : events) {
      text.append("\n  ").append(event.get("at")).append(' ').append(event.get("type")).append(' ')
          .append(event.get("taskKey")).append(' ').append(event.get("state")).append(' ').append(event.get("detail"));
    }
    return text.toString();
  }

  public static <T> T read(HttpResponse<String> response, String path) {
    return JsonPath.read(response.body(), path);
  }
}
