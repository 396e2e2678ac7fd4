package org.weft.orchestrator.testsupport;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Function;
import java.util.regex.Pattern;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import tools.jackson.databind.json.JsonMapper;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * A task worker for tests of the engine, before and besides the real task microservices: it
 * consumes every {@code weft.tasks.*} topic over real Kafka, records each dispatch, and answers as
 * its {@link Behaviour} says. Like a real worker it runs a dispatch id at most once and answers a
 * repeated one with the earlier result; {@link #deliveries()} counts every delivery, repeats
 * included, so that a test can see what the engine sent.
 */
public final class TestWorker implements AutoCloseable {

  /** What to answer to one dispatch: a result, or null to stay silent. */
  public interface Behaviour extends Function<TaskDispatch, TaskResult> {}

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final String id;
  private final KafkaProducer<String, String> producer;
  private final Thread thread;
  private final AtomicBoolean running = new AtomicBoolean(true);
  private final List<TaskDispatch> received = new CopyOnWriteArrayList<>();
  private final Map<String, Integer> deliveries = new ConcurrentHashMap<>();
  private final Set<String> started = ConcurrentHashMap.newKeySet();
  private final Map<String, TaskResult> answered = new ConcurrentHashMap<>();
  /** By task id, in {@link System#nanoTime()}: when its latest dispatch came out of a poll, and when its result went to the producer. */
  private final Map<String, Long> consumedAt = new ConcurrentHashMap<>();
  private final Map<String, Long> producedAt = new ConcurrentHashMap<>();
  private volatile Behaviour behaviour;

  public TestWorker(String bootstrapServers, String id, Behaviour behaviour) {
    this.id = id;
    this.behaviour = behaviour;
    this.producer = new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.LINGER_MS_CONFIG, 0, ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    var consumer = new KafkaConsumer<String, String>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        ConsumerConfig.GROUP_ID_CONFIG, "test-workers",
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.METADATA_MAX_AGE_CONFIG, 1000,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    this.thread = new Thread(() -> loop(consumer), "test-worker-" + id);
    thread.setDaemon(true);
    thread.start();
  }

  /** Answers every dispatch at once with success and the outputs its task type declares. */
  public static Behaviour succeedAtOnce(String workerId) {
    return dispatch -> success(dispatch, workerId);
  }

  public static TaskResult success(TaskDispatch dispatch, String workerId) {
    var base = "/work/" + dispatch.experimentId();
    Map<String, Object> outputs = switch (dispatch.taskType()) {
      case "env-setup" -> Map.of("workdir", base, "inputDir", base + "/in", "outputDir", base + "/out", "logDir", base + "/log");
      case "input-staging" -> Map.of("path", base + "/in/input.dat", "paths", List.of(base + "/in/input.dat"),
          "checksums", Map.of("input.dat", "sha256:00"));
      case "job-submission" -> Map.of("jobId", "job-" + dispatch.taskKey(), "workdir", base, "stdout", base + "/o", "stderr", base + "/e");
      case "monitoring" -> Map.of("exitCode", 0, "runTime", "PT1S", "stdout", base + "/o", "stderr", base + "/e");
      default -> Map.of("location", base + "/out", "files", List.of());
    };
    return result(dispatch, TaskResult.Status.SUCCEEDED, outputs, null, workerId);
  }

  public static TaskResult result(TaskDispatch dispatch, TaskResult.Status status, Map<String, Object> outputs,
      TaskResult.Error error, String workerId) {
    return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(), status,
        outputs, error, workerId, Instant.now());
  }

  public void behave(Behaviour next) {
    this.behaviour = next;
  }

  /**
   * Answers the dispatches of one experiment type as {@code next} says and every other at once with
   * success: experiments that earlier tests left running on this shared worker neither disturb a
   * test nor get stuck behind it.
   */
  public void behaveFor(String experimentType, Behaviour next) {
    var others = succeedAtOnce(id);
    this.behaviour = dispatch -> experimentType.equals(dispatch.context().get("experimentType"))
        ? next.apply(dispatch)
        : others.apply(dispatch);
  }

  /** Sends any result, as a misbehaving or slow worker might. */
  public void send(TaskResult result) {
    producedAt.put(result.taskId(), System.nanoTime());
    // no flush: while the broker is away the producer keeps results and delivers them when it is back
    producer.send(new ProducerRecord<>("weft.task-results", result.experimentId(), JSON.writeValueAsString(result)));
  }

  public void sendRaw(String key, String value) {
    producer.send(new ProducerRecord<>("weft.task-results", key, value));
    producer.flush();
  }

  public List<TaskDispatch> received() {
    return List.copyOf(received);
  }

  public List<TaskDispatch> received(String experimentId) {
    return received.stream().filter(d -> d.experimentId().equals(experimentId)).toList();
  }

  /** How often each dispatch id was delivered, repeats (answered from memory) included. */
  public Map<String, Integer> deliveries() {
    return Map.copyOf(deliveries);
  }

  /**
   * When the latest dispatch of a task came out of the consumer's poll ({@link System#nanoTime()}):
   * the dispatches of one poll are consumed together, however long answering the first ones takes.
   */
  public Long consumedAt(String taskId) {
    return consumedAt.get(taskId);
  }

  /** When the latest result of a task was handed to the producer ({@link System#nanoTime()}). */
  public Long producedAt(String taskId) {
    return producedAt.get(taskId);
  }

  public String id() {
    return id;
  }

  private void loop(KafkaConsumer<String, String> consumer) {
    try (consumer) {
      consumer.subscribe(Pattern.compile("weft\\.tasks\\..*"));
      while (running.get()) {
        try {
          var records = consumer.poll(Duration.ofMillis(100));
          long polledAt = System.nanoTime();
          for (var record : records) {
            var dispatch = JSON.readValue(record.value(), TaskDispatch.class);
            consumedAt.put(dispatch.taskId(), polledAt);
            handle(dispatch);
          }
          consumer.commitSync();
        } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
          return;
        } catch (RuntimeException e) {
          // the broker went away (the orchestrator holding it was killed): keep polling until it is back
        }
      }
    }
  }

  private void handle(TaskDispatch dispatch) {
    if (dispatch.taskType().equals("sub-workflow")) {
      // the orchestrator runs these itself
      return;
    }
    received.add(dispatch);
    deliveries.merge(dispatch.dispatchId(), 1, Integer::sum);
    var earlier = answered.get(dispatch.dispatchId());
    if (earlier != null) {
      send(earlier);
      return;
    }
    if (!started.add(dispatch.dispatchId())) {
      // still running here: a repeat of a dispatch in progress starts nothing
      return;
    }
    var answer = behaviour.apply(dispatch);
    if (answer != null) {
      if (answer.status().isFinal()) {
        answered.put(dispatch.dispatchId(), answer);
      }
      send(answer);
    }
  }

  @Override
  public void close() throws InterruptedException {
    running.set(false);
    thread.join(10_000);
    producer.close(Duration.ofSeconds(5));
  }

  /** The keys of the task nodes dispatched for an experiment, in order. */
  public List<String> keys(String experimentId) {
    return received(experimentId).stream().map(TaskDispatch::taskKey).toList();
  }

  public Set<String> dispatchIds(String experimentId) {
    return Set.copyOf(received(experimentId).stream().map(TaskDispatch::dispatchId).toList());
  }
}
