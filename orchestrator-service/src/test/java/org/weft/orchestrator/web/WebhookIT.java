package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.net.URI;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.Http;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WebhookReceiver;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * Webhooks end to end: registered over the API, fed from the event stream, stored as deliveries in
 * Neo4j, sent by the elected instance to a receiver that verifies each signature as the Standard
 * Webhooks specification says. Retries here start at 200 ms and give up after 8 s (the it profile).
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class WebhookIT {

  private static final String CHAIN = """
      tasks:
        - {key: first, taskType: env-setup}
        - {key: second, taskType: env-setup, dependsOn: [first]}
      """;

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
    worker = new TestWorker(kafka, "webhook-worker", TestWorker.succeedAtOnce("webhook-worker"));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  @Test
  void everyStateChangeArrivesSignedOncePerIdAndInOrder() throws Exception {
    try (var receiver = new WebhookReceiver()) {
      var webhook = register(receiver, "[\"experiment.state\", \"task.state\"]");
      try {
        var type = Api.registerTemplate(templates, "hooked", CHAIN);
        var ids = List.of(api.submit(submission(type)), api.submit(submission(type)));
        for (var id : ids) {
          await(id + "'s last event").atMost(Duration.ofSeconds(30)).until(() -> completedArrived(receiver, id));
        }
        assertThat(receiver.received()).allSatisfy(m -> assertThat(m.verified()).as(m.body()).isTrue());
        for (var id : ids) {
          var seqs = seqsOf(receiver, id);
          int trail = JsonPath.<List<Object>>read(api.get("/api/v1/experiments/" + id + "/events").body(), "$.items").size();
          assertThat(seqs).as("one message per audit-trail event, in order").hasSize(trail).isSorted().doesNotHaveDuplicates();
        }
        assertThat(receiver.received()).extracting(WebhookReceiver.Message::id).doesNotHaveDuplicates();
        var first = receiver.received().get(0).body();
        assertThat(JsonPath.<String>read(first, "$.type")).isIn("experiment.state", "task.state");
        assertThat(JsonPath.<String>read(first, "$.timestamp")).isNotBlank();
      } finally {
        delete(webhook);
      }
    }
  }

  @Test
  void anEndpointDownForAWhileGetsEveryEventAfterwardsOncePerIdInOrder() throws Exception {
    try (var receiver = new WebhookReceiver()) {
      receiver.answer(503);
      var webhook = register(receiver, "[\"experiment.state\", \"task.state\"]");
      try {
        var type = Api.registerTemplate(templates, "down", CHAIN);
        var ids = new ArrayList<String>();
        for (int i = 0; i < 3; i++) {
          ids.add(api.submit(submission(type)));
        }
        for (var id : ids) {
          api.awaitState(id, "COMPLETED", Duration.ofSeconds(30));
        }
        await("attempts refused by the endpoint").atMost(Duration.ofSeconds(10)).until(() ->
            JsonPath.<List<Integer>>read(api.get("/api/v1/webhooks/" + webhook + "/deliveries?state=PENDING&size=100").body(),
                "$.items[*].attempts").stream().anyMatch(a -> a >= 2));
        receiver.answer(204);
        for (var id : ids) {
          await(id + "'s events after the endpoint is back").atMost(Duration.ofSeconds(30))
              .until(() -> completedArrived(receiver, id));
          int trail = JsonPath.<List<Object>>read(api.get("/api/v1/experiments/" + id + "/events").body(), "$.items").size();
          assertThat(seqsOf(receiver, id)).hasSize(trail).isSorted().doesNotHaveDuplicates();
        }
        assertThat(receiver.received()).extracting(WebhookReceiver.Message::id).doesNotHaveDuplicates();
        assertThat(receiver.received()).allSatisfy(m -> assertThat(m.verified()).isTrue());
      } finally {
        delete(webhook);
      }
    }
  }

  @Test
  void aDeliveryPastItsMaximumAgeIsFailedInTheLogAndCanBeSentAgainWithTheSameId() throws Exception {
    try (var receiver = new WebhookReceiver()) {
      receiver.answer(500);
      var webhook = register(receiver, null);
      try {
        var id = api.submit(submission(Api.registerTemplate(templates, "refused", CHAIN)));
        api.awaitState(id, "COMPLETED", Duration.ofSeconds(30));
        var log = "/api/v1/webhooks/" + webhook + "/deliveries?size=100";
        await("the experiment's deliveries to fail").atMost(Duration.ofSeconds(30)).until(() ->
            JsonPath.<List<String>>read(api.get(log).body(), "$.items[?(@.experimentId == '" + id + "')].state")
                .stream().filter("FAILED"::equals).count() >= 3);
        // the first was retried until it was too old; those behind it waited their turn, as long
        var failed = JsonPath.<List<Map<String, Object>>>read(api.get(log + "&state=FAILED").body(),
            "$.items[?(@.experimentId == '" + id + "')]").stream()
            .max(java.util.Comparator.comparing(d -> (Integer) d.get("attempts"))).orElseThrow();
        assertThat(failed.get("lastStatus")).isEqualTo(500);
        assertThat(failed.get("lastError")).isEqualTo("HTTP 500");
        assertThat((Integer) failed.get("attempts")).isGreaterThan(1);

        receiver.answer(204);
        var deliveryId = (String) failed.get("id");
        var redelivered = api.post("/api/v1/webhooks/" + webhook + "/deliveries/" + deliveryId + "/redeliver",
            "application/json", "");
        assertThat(redelivered.statusCode()).isEqualTo(202);
        await("the redelivery").atMost(Duration.ofSeconds(10))
            .until(() -> receiver.received().stream().anyMatch(m -> m.id().equals(deliveryId)));
        await().atMost(Duration.ofSeconds(10)).until(() -> "DELIVERED".equals(JsonPath.read(
            api.get("/api/v1/webhooks/" + webhook + "/deliveries/" + deliveryId).body(), "$.state")));
        assertThat(api.post("/api/v1/webhooks/" + webhook + "/deliveries/msg_nothing/redeliver", "application/json", "")
            .statusCode()).isEqualTo(404);
      } finally {
        delete(webhook);
      }
    }
  }

  @Test
  void urlsReachingPrivateAddressesAndBadSecretsAreRefusedAndNothingIsStored() {
    int before = JsonPath.<List<Object>>read(api.get("/api/v1/webhooks").body(), "$.items").size();
    for (var body : List.of(
        "{\"url\": \"http://169.254.169.254/latest/meta-data\"}",
        "{\"url\": \"http://127.0.0.1:8080/hook\"}",
        "{\"url\": \"http://10.0.0.7/hook\"}",
        "{\"url\": \"http://[::1]/hook\"}",
        "{\"url\": \"ftp://localhost/hook\"}",
        "{\"url\": \"http://user:pw@localhost/hook\"}",
        "{\"url\": \"not a url\"}",
        "{\"url\": \"http://localhost/hook\", \"secret\": \"plain\"}",
        "{\"url\": \"http://localhost/hook\", \"secret\": \"whsec_c2hvcnQ=\"}",
        "{\"url\": \"http://localhost/hook\", \"events\": [\"everything\"]}",
        "{\"url\": \"http://localhost/hook\", \"extra\": 1}",
        "{\"url\": ",
        "{}")) {
      var response = api.postJson("/api/v1/webhooks", body);
      assertThat(response.statusCode()).as(body).isEqualTo(400);
      assertThat(response.headers().firstValue("Content-Type")).as(body).hasValueSatisfying(
          type -> assertThat(type).startsWith("application/problem+json"));
    }
    assertThat(JsonPath.<List<Object>>read(api.get("/api/v1/webhooks").body(), "$.items")).hasSize(before);
  }

  @Test
  void aWebhookShowsItsSecretOnlyWhenMadeAndIsGoneOnceDeleted() throws Exception {
    try (var receiver = new WebhookReceiver()) {
      var response = api.postJson("/api/v1/webhooks", "{\"url\": \"" + receiver.url() + "\"}");
      assertThat(response.statusCode()).isEqualTo(201);
      String id = JsonPath.read(response.body(), "$.id");
      assertThat(JsonPath.<String>read(response.body(), "$.secret")).startsWith("whsec_");
      assertThat(JsonPath.<List<String>>read(response.body(), "$.events")).containsExactly("experiment.state");
      assertThat(response.headers().firstValue("Location")).hasValue("/api/v1/webhooks/" + id);
      var read = api.get("/api/v1/webhooks/" + id);
      assertThat(read.statusCode()).isEqualTo(200);
      assertThat(JsonPath.<Object>read(read.body(), "$.secret")).isNull();
      delete(id);
      assertThat(api.get("/api/v1/webhooks/" + id).statusCode()).isEqualTo(404);
      assertThat(api.get("/api/v1/webhooks/" + id + "/deliveries").statusCode()).isEqualTo(404);
    }
  }

  private String register(WebhookReceiver receiver, String events) {
    var body = "{\"url\": \"" + receiver.url() + "\"" + (events == null ? "" : ", \"events\": " + events) + "}";
    var response = api.postJson("/api/v1/webhooks", body);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
    receiver.secret(JsonPath.read(response.body(), "$.secret"));
    return JsonPath.read(response.body(), "$.id");
  }

  private void delete(String webhook) {
    var response = Http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/api/v1/webhooks/" + webhook))
        .DELETE().build());
    assertThat(response.statusCode()).isEqualTo(204);
  }

  private static String submission(String type) {
    return "{\"experimentType\": \"" + type + "\"}";
  }

  private static boolean completedArrived(WebhookReceiver receiver, String experimentId) {
    return receiver.received().stream().anyMatch(m -> experimentId.equals(JsonPath.read(m.body(), "$.data.experimentId"))
        && JsonPath.<String>read(m.body(), "$.type").equals("experiment.state")
        && "COMPLETED".equals(JsonPath.read(m.body(), "$.data.state")));
  }

  private static List<Long> seqsOf(WebhookReceiver receiver, String experimentId) {
    return receiver.received().stream()
        .filter(m -> experimentId.equals(JsonPath.read(m.body(), "$.data.experimentId")))
        .map(m -> ((Number) JsonPath.read(m.body(), "$.data.seq")).longValue())
        .collect(Collectors.toList());
  }
}
