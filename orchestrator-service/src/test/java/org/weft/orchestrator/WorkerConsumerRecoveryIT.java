package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.lang.reflect.Proxy;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.kafka.core.DefaultKafkaConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.util.unit.DataSize;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.Topics;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerAutoConfiguration;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.WorkerRuntime;
import tools.jackson.databind.json.JsonMapper;

/**
 * A worker whose Kafka consumer fails, against the real embedded broker and ZooKeeper: it reports
 * itself down and leaves the registry (so nobody counts on it), starts a new consumer, comes back up
 * and registered, and runs what it is sent.
 */
@WeftIntegrationTest
class WorkerConsumerRecoveryIT {

  private static final String TYPE = "consumer-probe";

  @Value("${spring.kafka.bootstrap-servers}")
  String bootstrap;

  @Autowired
  KafkaTemplate<String, String> kafka;

  @Autowired
  CuratorFramework zookeeper;

  @TempDir
  Path state;

  @Test
  void aWorkerWhoseConsumerFailsIsReportedDownDeregisteredAndComesBackWithANewConsumer() throws Exception {
    var failing = new AtomicBoolean();
    var consumersMade = new AtomicInteger();
    var consumers = new DefaultKafkaConsumerFactory<String, String>(Map.of("bootstrap.servers", bootstrap,
        "key.deserializer", StringDeserializer.class, "value.deserializer", StringDeserializer.class)) {
      @Override
      public Consumer<String, String> createConsumer(String groupId, String clientIdPrefix, String clientIdSuffix,
          Properties properties) {
        consumersMade.incrementAndGet();
        return failingWhile(failing, super.createConsumer(groupId, clientIdPrefix, clientIdSuffix, properties));
      }
    };
    var ran = new AtomicInteger();
    TaskHandler handler = new TaskHandler() {
      @Override
      public String taskType() {
        return TYPE;
      }

      @Override
      public Map<String, Object> run(TaskContext context) {
        ran.incrementAndGet();
        return Map.of();
      }
    };
    var workerId = "recovering-" + UUID.randomUUID().toString().substring(0, 8);
    var properties = new WorkerProperties(true, workerId, List.of(), 2, Duration.ofSeconds(1), Duration.ofSeconds(1),
        100, state.resolve("workspace").toString(), state.resolve("worker").toString(),
        new WorkerProperties.Staging(List.of(), DataSize.ofMegabytes(1), Duration.ofSeconds(1), Duration.ofSeconds(1), null,
            List.of()),
        new WorkerProperties.Jobs(List.of(), Duration.ofSeconds(1), DataSize.ofKilobytes(2)));
    var runtime = new WorkerRuntime(List.of(handler), consumers, kafka, new Topics("weft."), zookeeper, "/weft",
        properties, new SimpleMeterRegistry(),
        new org.weft.task.runtime.files.DataFiles(List.of(properties.workspaceDir()), null));
    HealthIndicator health = new WorkerAutoConfiguration().workerHealthIndicator(runtime);
    var registration = "/weft/workers/" + TYPE + "/" + workerId;
    runtime.start();
    try {
      await("registered and up").atMost(Duration.ofSeconds(30))
          .until(() -> zookeeper.checkExists().forPath(registration) != null && runtime.healthy());

      failing.set(true);

      await("down and out of the registry").atMost(Duration.ofSeconds(30))
          .until(() -> !runtime.healthy() && zookeeper.checkExists().forPath(registration) == null);
      assertThat(health.health(true).getStatus()).isEqualTo(Status.DOWN);
      assertThat(runtime.lanes().get(TYPE)).containsEntry("consumer", "DOWN").containsKey("lastError");

      failing.set(false);

      await("up and registered again").atMost(Duration.ofSeconds(60))
          .until(() -> runtime.healthy() && zookeeper.checkExists().forPath(registration) != null);
      assertThat(health.health(true).getStatus()).isEqualTo(Status.UP);
      assertThat(consumersMade).hasValueGreaterThan(1);
      try (var results = Topic.follow(bootstrap, "weft.task-results")) {
        var dispatchId = UUID.randomUUID().toString();
        var dispatch = new TaskDispatch(dispatchId, "e-" + dispatchId, "e-" + dispatchId + ":t", "t", TYPE, 1, Map.of(),
            Instant.now().plusSeconds(60));
        kafka.send("weft.tasks." + TYPE, dispatch.experimentId(), JsonMapper.builder().build().writeValueAsString(dispatch));
        await("the dispatch to run").atMost(Duration.ofSeconds(60)).until(() -> ran.get() == 1);
        await("its result").atMost(Duration.ofSeconds(30)).until(() ->
            java.util.stream.StreamSupport.stream(results.poll(Duration.ofMillis(200)).spliterator(), false)
                .anyMatch(r -> r.value().contains(dispatchId) && r.value().contains("SUCCEEDED")));
      }
    } finally {
      runtime.stop();
    }
  }

  @SuppressWarnings("unchecked")
  private static Consumer<String, String> failingWhile(AtomicBoolean failing, Consumer<String, String> consumer) {
    return (Consumer<String, String>) Proxy.newProxyInstance(Consumer.class.getClassLoader(),
        new Class<?>[] {Consumer.class}, (proxy, method, args) -> {
          if (method.getName().equals("poll") && failing.get()) {
            throw new KafkaException("injected: the broker answers nothing this consumer can use");
          }
          try {
            return method.invoke(consumer, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }
}
