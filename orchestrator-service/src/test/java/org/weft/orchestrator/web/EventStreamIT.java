package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;

/** An experiment's events as Server-Sent Events, read as a browser's EventSource reads them. */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStreamIT {

  private static final String CHAIN = """
      tasks:
        - {key: first, taskType: env-setup}
        - {key: second, taskType: env-setup, dependsOn: [first]}
      """;
  private static final HttpClient CLIENT = HttpClient.newHttpClient();

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  Api api;
  TestWorker worker;

  @BeforeAll
  void startWorker() {
    api = new Api(port);
    worker = new TestWorker(kafka, "stream-worker", TestWorker.succeedAtOnce("stream-worker"));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  @Test
  void aStreamSendsEachEventAsItHappensInOrderAndEndsWithTheExperiment() {
    var type = Api.registerTemplate(templates, "stream", CHAIN);
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    worker.behaveFor(type, dispatch -> {
      held.add(dispatch);
      return null;
    });
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    await().atMost(Duration.ofSeconds(30)).until(() -> held.size() == 1);

    var lines = new CopyOnWriteArrayList<String>();
    var done = open(id, null, lines);
    await("the events so far").atMost(Duration.ofSeconds(30)).until(() -> states(lines).contains("DISPATCHED"));
    assertThat(done).isNotDone();

    // the rest happens while the client listens
    worker.behaveFor(type, dispatch -> TestWorker.success(dispatch, "stream-worker"));
    worker.send(TestWorker.success(held.get(0), "stream-worker"));
    var status = done.join();

    assertThat(status).isEqualTo(200);
    var events = events(lines);
    assertThat(events).extracting(Sse::id).containsExactlyElementsOf(
        Stream.iterate(1L, seq -> seq + 1).limit(events.size()).toList());
    assertThat(events.get(events.size() - 1).name()).isEqualTo("experiment.state");
    assertThat((String) JsonPath.read(events.get(events.size() - 1).data(), "$.state")).isEqualTo("COMPLETED");
    var trail = api.get("/api/v1/experiments/" + id + "/events");
    List<Integer> seqs = JsonPath.read(trail.body(), "$.items[*].seq");
    assertThat(events).hasSize(seqs.size());
  }

  @Test
  void aClientThatReconnectsWithLastEventIdGetsOnlyWhatItMissed() {
    var type = Api.registerTemplate(templates, "stream-resume", CHAIN);
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    api.awaitState(id, "COMPLETED", Duration.ofSeconds(30));
    List<Integer> seqs = JsonPath.read(api.get("/api/v1/experiments/" + id + "/events").body(), "$.items[*].seq");

    var lines = new CopyOnWriteArrayList<String>();
    assertThat(open(id, "3", lines).join()).isEqualTo(200);

    assertThat(events(lines)).extracting(Sse::id).containsExactlyElementsOf(
        seqs.stream().map(Integer::longValue).filter(seq -> seq > 3).toList());
  }

  @Test
  void aMalformedLastEventIdOrAnUnknownExperimentIsAProblem() {
    var type = Api.registerTemplate(templates, "stream-bad", CHAIN);
    var id = api.submit("{\"experimentType\": \"" + type + "\"}");
    for (var bad : List.of("-1", "seven", "9999999999999999999999")) {
      var response = get("/api/v1/experiments/" + id + "/events/stream", bad);
      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(response.body()).contains("Last-Event-ID");
    }
    assertThat(get("/api/v1/experiments/no-such-experiment/events/stream", null).statusCode()).isEqualTo(404);
  }

  // ---- an EventSource's view ----

  record Sse(long id, String name, String data) {}

  private CompletableFuture<Integer> open(String id, String lastEventId, List<String> lines) {
    var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/experiments/" + id + "/events/stream"))
        .header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    return CLIENT.sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
        .thenApply(response -> {
          response.body().forEach(lines::add);
          return response.statusCode();
        })
        .orTimeout(60, java.util.concurrent.TimeUnit.SECONDS);
  }

  private HttpResponse<String> get(String path, String lastEventId) {
    var request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + path)).header("Accept", "text/event-stream");
    if (lastEventId != null) {
      request.header("Last-Event-ID", lastEventId);
    }
    try {
      return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  private static List<Sse> events(List<String> lines) {
    var events = new ArrayList<Sse>();
    Long id = null;
    String name = null;
    String data = null;
    for (var line : lines) {
      if (line.isEmpty()) {
        if (data != null) {
          events.add(new Sse(id, name, data));
        }
        id = null;
        name = null;
        data = null;
      } else if (line.startsWith("id:")) {
        id = Long.parseLong(line.substring(3).trim());
      } else if (line.startsWith("event:")) {
        name = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data = line.substring(5).trim();
      }
    }
    return events;
  }

  private static List<String> states(List<String> lines) {
    return events(lines).stream().map(event -> (String) JsonPath.read(event.data(), "$.state")).toList();
  }
}
