package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersionDetector;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskResult;

/** What goes out on weft.experiment-events is what docs/events.md documents, schema by schema. */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ExperimentEventSchemaIT {

  private static final Path SCHEMAS = Paths.get("..", "docs", "events");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Value("${local.server.port}")
  int port;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Autowired
  TemplateService templates;

  TestWorker worker;

  @BeforeAll
  void startWorker() {
    worker = new TestWorker(kafka, "schema-worker", TestWorker.succeedAtOnce("schema-worker"));
  }

  @AfterAll
  void stopWorker() throws InterruptedException {
    worker.close();
  }

  @Test
  void everyEmittedEventFitsTheSchemaOfItsTypeAndCarriesItsGateway() {
    var type = Api.registerTemplate(templates, "schema", """
        inputs:
          - {name: mode, type: string, default: quick}
        tasks:
          - {key: first, taskType: env-setup}
          - {key: second, taskType: env-setup, dependsOn: [first], retry: {maxAttempts: 2, backoff: PT0.1S}}
          - {key: skipped, taskType: env-setup, dependsOn: [second], when: "inputs.mode == 'full'"}
        """);
    // the second task fails once and succeeds at its retry, so failures and retries are among the events
    var failedOnce = new java.util.concurrent.atomic.AtomicBoolean();
    worker.behaveFor(type, dispatch -> dispatch.taskKey().equals("second") && failedOnce.compareAndSet(false, true)
        ? TestWorker.result(dispatch, TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("fails once", true),
            "schema-worker")
        : TestWorker.success(dispatch, "schema-worker"));
    var api = new Api(port);
    var records = new ArrayList<ConsumerRecord<String, String>>();
    try (var events = Topic.follow(kafka, "weft.experiment-events")) {
      var id = api.submit("{\"experimentType\": \"" + type + "\", \"gatewayId\": \"schema-gateway\"}");
      api.awaitState(id, "COMPLETED", Duration.ofSeconds(60));
      List<Integer> trail = com.jayway.jsonpath.JsonPath.read(api.get("/api/v1/experiments/" + id + "/events").body(),
          "$.items[*].seq");
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        events.poll(Duration.ofMillis(200)).forEach(record -> {
          if (id.equals(record.key())) {
            records.add(record);
          }
        });
        return records.size() >= trail.size();
      });
    }

    var types = new TreeSet<String>();
    var states = new TreeSet<String>();
    for (var record : records) {
      var event = read(record.value());
      var schema = schemaOf(event.get("type").asText());
      assertThat(schema.validate(event)).as(record.value()).isEmpty();
      assertThat(new String(record.headers().lastHeader("content-type").value(), StandardCharsets.UTF_8))
          .isEqualTo("application/cloudevents+json; charset=UTF-8");
      assertThat(event.get("gatewayid").asText()).isEqualTo("schema-gateway");
      types.add(event.get("type").asText());
      states.add(event.get("data").get("state").asText());
    }
    assertThat(types).containsExactly("org.weft.experiment.state", "org.weft.task.state");
    assertThat(states).contains("EXECUTING", "COMPLETED", "DISPATCHED", "SUCCEEDED", "READY", "SKIPPED");
  }

  @Test
  void theSchemasNameEveryStateTheLifecycleHas() {
    assertThat(enumOf("experiment-state", "state")).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(ExperimentState.values()).map(Enum::name).toList());
    assertThat(enumOf("task-state", "state")).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(TaskState.values()).map(Enum::name).toList());
  }

  @Test
  void aSchemaRefusesAnEventThatBreaksIt() {
    var event = read("""
        {"specversion": "1.0", "id": "e-1/1", "source": "/weft/experiments/e-1", "type": "org.weft.task.state",
         "subject": "e-1/run", "time": "2026-12-03T10:00:00Z", "datacontenttype": "application/json",
         "data": {"experimentId": "e-1", "seq": 1, "taskKey": "run", "state": "SLEEPING"}}""");
    assertThat(schemaOf("org.weft.task.state").validate(event)).isNotEmpty();
  }

  private static List<String> enumOf(String schema, String property) {
    var node = read(text(schema)).get("properties").get("data").get("properties").get(property).get("enum");
    var values = new ArrayList<String>();
    node.forEach(value -> values.add(value.asText()));
    return values;
  }

  private static JsonSchema schemaOf(String cloudEventType) {
    var file = switch (cloudEventType) {
      case "org.weft.experiment.state" -> "experiment-state";
      case "org.weft.task.state" -> "task-state";
      default -> throw new AssertionError("An event type docs/events.md does not document: " + cloudEventType);
    };
    var node = read(text(file));
    return JsonSchemaFactory.getInstance(SpecVersionDetector.detect(node)).getSchema(node);
  }

  private static String text(String name) {
    try {
      return Files.readString(SCHEMAS.resolve(name + ".schema.json"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
