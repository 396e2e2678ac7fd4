package org.weft.task.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;
import org.weft.task.api.Topics;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the task handlers of this process. Per task type it consumes {@code weft.tasks.{taskType}}
 * in the consumer group {@code weft-workers-{taskType}} (so instances of a task microservice share
 * the work), runs up to {@code concurrency} attempts at once, sends {@code RUNNING} heartbeats while
 * they run and their results when they end, and registers as the ephemeral
 * {@code /weft/workers/{taskType}/{workerId}} with its load. A dispatch is committed once admitted:
 * an attempt lost with its worker is the orchestrator's to retry (its heartbeats stop).
 */
public final class WorkerRuntime implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final Duration POLL = Duration.ofMillis(200);
  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final List<TaskHandler> handlers;
  private final ConsumerFactory<String, String> consumers;
  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final CuratorFramework zookeeper;
  private final String zookeeperRoot;
  private final WorkerProperties properties;
  private final MeterRegistry meters;
  private final String workerId;
  private final DispatchJournal journal;
  private final JsonMapper json = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private final Map<String, RunningTask> running = new ConcurrentHashMap<>();
  private final Map<String, Semaphore> slots = new ConcurrentHashMap<>();
  private final Map<String, ExecutorService> pools = new ConcurrentHashMap<>();
  private final Map<String, PersistentNode> registrations = new ConcurrentHashMap<>();
  private final List<Thread> loops = new ArrayList<>();
  private final List<Consumer<String, String>> openConsumers = new ArrayList<>();
  private final Instant startedAt = Instant.now();
  private volatile boolean active;
  private volatile ScheduledExecutorService heartbeats;

  public WorkerRuntime(List<TaskHandler> handlers, ConsumerFactory<String, String> consumers,
      KafkaTemplate<String, String> kafka, Topics topics, CuratorFramework zookeeper, String zookeeperRoot,
      WorkerProperties properties, MeterRegistry meters) {
    this.handlers = handlers.stream()
        .filter(handler -> properties.taskTypes().isEmpty() || properties.taskTypes().contains(handler.taskType()))
        .toList();
    this.consumers = consumers;
    this.kafka = kafka;
    this.topics = topics;
    this.zookeeper = zookeeper;
    this.zookeeperRoot = zookeeperRoot;
    this.properties = properties;
    this.meters = meters;
    this.workerId = properties.id() != null && !properties.id().isBlank() ? properties.id() : defaultWorkerId();
    this.journal = new DispatchJournal(properties.remembered());
    for (var handler : this.handlers) {
      topics.tasks(handler.taskType()); // refuses a task type that cannot name a topic, at start-up
    }
  }

  public String workerId() {
    return workerId;
  }

  public List<String> taskTypes() {
    return handlers.stream().map(TaskHandler::taskType).toList();
  }

  /** Attempts running here now, of every task type. */
  public int load() {
    return running.size();
  }

  // ----------------------------------------------------------------------------------------------
  // consuming dispatches

  private void consume(TaskHandler handler) {
    var type = handler.taskType();
    var overrides = new Properties();
    overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    overrides.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(properties.concurrency()));
    overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    overrides.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
    Consumer<String, String> consumer;
    synchronized (openConsumers) {
      consumer = consumers.createConsumer("weft-workers-" + type, workerId + "-" + type, null, overrides);
      openConsumers.add(consumer);
    }
    var slots = this.slots.get(type);
    try (consumer) {
      consumer.subscribe(List.of(topics.tasks(type)));
      while (active) {
        if (slots.availablePermits() == 0) {
          consumer.pause(consumer.assignment());
        } else if (!consumer.paused().isEmpty()) {
          consumer.resume(consumer.paused());
        }
        var records = consumer.poll(POLL);
        if (records.isEmpty()) {
          continue;
        }
        var rewound = new HashSet<TopicPartition>();
        for (var record : records) {
          var partition = new TopicPartition(record.topic(), record.partition());
          if (rewound.contains(partition)) {
            continue;
          }
          if (!slots.tryAcquire()) {
            // no free slot: this record and the rest of its partition come again with the next poll
            consumer.seek(partition, record.offset());
            rewound.add(partition);
            continue;
          }
          admit(handler, record);
        }
        consumer.commitSync();
      }
    } catch (WakeupException e) {
      // stopping
    } catch (RuntimeException e) {
      log.error("The consumer of {} stopped: {}", topics.tasks(type), e.toString(), e);
    }
  }

  /** Takes one dispatch (holding a slot): runs it, or answers a repeat; gives the slot back unless it runs. */
  private void admit(TaskHandler handler, ConsumerRecord<String, String> record) {
    var type = handler.taskType();
    TaskDispatch dispatch;
    try {
      dispatch = json.readValue(record.value(), TaskDispatch.class);
      if (dispatch == null) {
        throw new IllegalArgumentException("empty message");
      }
    } catch (RuntimeException e) {
      slots.get(type).release();
      malformed(type, record, e);
      return;
    }
    if (!type.equals(dispatch.taskType())) {
      slots.get(type).release();
      send(failure(dispatch, "dispatch for task type '%s' arrived on the topic of '%s'".formatted(dispatch.taskType(), type),
          false));
      return;
    }
    var admission = journal.admit(dispatch.dispatchId());
    if (admission instanceof DispatchJournal.Admission.AlreadyRunning) {
      slots.get(type).release();
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "running").increment();
      log.info("Dispatch {} is running here already; its result will follow", dispatch.dispatchId());
    } else if (admission instanceof DispatchJournal.Admission.AlreadyDone done) {
      slots.get(type).release();
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "done").increment();
      log.info("Dispatch {} ran here already; answering with its result", dispatch.dispatchId());
      send(done.result());
    } else {
      var task = new RunningTask(new TaskContext(dispatch, workerId));
      running.put(dispatch.dispatchId(), task);
      pools.get(type).execute(() -> execute(handler, task));
    }
  }

  private void execute(TaskHandler handler, RunningTask task) {
    var dispatch = task.context.dispatch();
    var type = handler.taskType();
    task.runningOn(Thread.currentThread());
    MDC.put("experimentId", dispatch.experimentId());
    MDC.put("taskId", dispatch.taskId());
    var sample = Timer.start(meters);
    TaskResult result;
    try {
      send(heartbeat(task));
      task.context.checkCancelled();
      log.info("Running {} attempt {} of {} (dispatch {})", type, dispatch.attempt(), dispatch.taskKey(), dispatch.dispatchId());
      var outputs = handler.run(task.context);
      task.context.checkCancelled();
      result = new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
          TaskResult.Status.SUCCEEDED, outputs == null ? Map.of() : outputs, null, workerId, Instant.now());
    } catch (Throwable e) {
      result = failure(dispatch, task, e);
    } finally {
      Thread.interrupted(); // a cancel's interrupt must not leak into the pool's next task
      task.runningOn(null);
    }
    sample.stop(meters.timer("weft.worker.task.duration", "task.type", type));
    var outcome = result.status() == TaskResult.Status.SUCCEEDED ? "succeeded"
        : task.context.isCancelled() ? "cancelled" : "failed";
    meters.counter("weft.worker.tasks", "task.type", type, "outcome", outcome).increment();
    if (result.status() == TaskResult.Status.SUCCEEDED) {
      log.info("{} of {} succeeded", type, dispatch.taskKey());
    } else {
      log.info("{} of {} failed (retryable: {}): {}", type, dispatch.taskKey(), result.error().retryable(),
          result.error().message());
    }
    if (task.handedBack()) {
      journal.abandon(dispatch.dispatchId());
    } else {
      journal.finish(dispatch.dispatchId(), result);
    }
    send(result);
    synchronized (running) {
      running.remove(dispatch.dispatchId());
      running.notifyAll();
    }
    slots.get(type).release();
    MDC.remove("experimentId");
    MDC.remove("taskId");
  }

  private TaskResult failure(TaskDispatch dispatch, RunningTask task, Throwable e) {
    if (task.handedBack()) {
      return failure(dispatch, "the worker %s stopped before the task ended; handed back".formatted(workerId), true);
    }
    if (task.context.isCancelled()) {
      return failure(dispatch, "cancelled", false);
    }
    if (e instanceof TaskFailure failure) {
      return failure(dispatch, failure.getMessage(), failure.retryable());
    }
    if (e instanceof IOException || e instanceof UncheckedIOException) {
      return failure(dispatch, "I/O error: " + e.getMessage(), true);
    }
    if (e instanceof InterruptedException) {
      return failure(dispatch, "interrupted", true);
    }
    log.warn("Handler of {} failed unexpectedly", dispatch.taskType(), e);
    return failure(dispatch, e.getClass().getSimpleName() + ": " + e.getMessage(), false);
  }

  private TaskResult failure(TaskDispatch dispatch, String message, boolean retryable) {
    return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.FAILED, Map.of(), new TaskResult.Error(message, retryable), workerId, Instant.now());
  }

  private TaskResult heartbeat(RunningTask task) {
    var dispatch = task.context.dispatch();
    return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.RUNNING, task.context.progress(), null, workerId, Instant.now());
  }

  /**
   * A message on a task topic that is not a dispatch. When it names its attempt, the attempt fails
   * with the reason (no retry can mend the message); otherwise it is parked on the dead-letter topic.
   */
  private void malformed(String type, ConsumerRecord<String, String> record, RuntimeException e) {
    meters.counter("weft.worker.malformed", "task.type", type).increment();
    var reason = "malformed dispatch: " + e.getMessage();
    try {
      JsonNode tree = json.readTree(record.value());
      var dispatchId = text(tree, "dispatchId");
      var experimentId = text(tree, "experimentId");
      var taskId = text(tree, "taskId");
      var attempt = tree.path("attempt").asInt(0);
      if (dispatchId != null && experimentId != null && taskId != null && attempt > 0) {
        log.warn("Dispatch {} cannot be read; failing it: {}", dispatchId, e.getMessage());
        send(new TaskResult(dispatchId, experimentId, taskId, attempt, TaskResult.Status.FAILED, Map.of(),
            new TaskResult.Error(reason, false), workerId, Instant.now()));
        return;
      }
    } catch (RuntimeException notJson) {
      // not even JSON: the dead-letter topic keeps it for a person to look at
    }
    log.warn("Unreadable message at {}-{}@{} parked on the dead-letter topic: {}", record.topic(), record.partition(),
        record.offset(), e.getMessage());
    var parked = new ProducerRecord<>(topics.deadLetter(record.topic()), record.key(), record.value());
    parked.headers().add("weft-error", String.valueOf(e.getMessage()).getBytes(StandardCharsets.UTF_8));
    try {
      kafka.send(parked).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception sendFailed) {
      log.error("Cannot park the unreadable message: {}", sendFailed.toString());
    }
  }

  private static String text(JsonNode tree, String field) {
    var node = tree.get(field);
    return node != null && node.isString() && !node.asString().isBlank() ? node.asString() : null;
  }

  private void send(TaskResult result) {
    try {
      kafka.send(topics.taskResults(), result.experimentId(), json.writeValueAsString(result))
          .get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      log.warn("Interrupted while sending the result of {}; a repeated dispatch will get it", result.dispatchId());
    } catch (Exception e) {
      // the journal keeps the result: the orchestrator's retry or re-send of this dispatch gets it
      log.error("Cannot send the {} result of dispatch {}: {}", result.status(), result.dispatchId(), e.toString());
    }
  }

  // ----------------------------------------------------------------------------------------------
  // commands

  private void control() {
    var overrides = new Properties();
    overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
    Consumer<String, String> consumer;
    synchronized (openConsumers) {
      // every worker hears every command: a group of its own
      consumer = consumers.createConsumer("weft-worker-control-" + workerId, workerId + "-control", null, overrides);
      openConsumers.add(consumer);
    }
    try (consumer) {
      consumer.subscribe(List.of(topics.taskControl()));
      while (active) {
        for (var record : consumer.poll(POLL)) {
          try {
            apply(json.readValue(record.value(), TaskControl.class));
          } catch (RuntimeException e) {
            log.warn("Unreadable command at {}-{}@{} ignored: {}", record.topic(), record.partition(), record.offset(),
                e.getMessage());
          }
        }
      }
    } catch (WakeupException e) {
      // stopping
    } catch (RuntimeException e) {
      log.error("The consumer of {} stopped: {}", topics.taskControl(), e.toString(), e);
    }
  }

  void apply(TaskControl command) {
    if (command == null || command.command() != TaskControl.Command.CANCEL) {
      return;
    }
    var reason = command.reason().abandonsWork() ? TaskContext.StopReason.WORK_ABANDONED
        : TaskContext.StopReason.ATTEMPT_EXPIRED;
    for (var task : running.values()) {
      var dispatch = task.context.dispatch();
      if (command.concerns(dispatch.experimentId(), dispatch.taskId(), dispatch.dispatchId())) {
        log.info("Stopping {} attempt {} of experiment {} on request ({})", dispatch.taskKey(), dispatch.attempt(),
            dispatch.experimentId(), command.reason());
        task.stop(reason);
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // liveness and load

  private void beat() {
    try {
      for (var task : running.values()) {
        if (!task.context.isCancelled()) {
          var result = heartbeat(task);
          kafka.send(topics.taskResults(), result.experimentId(), json.writeValueAsString(result));
        }
      }
      registrations.forEach((type, node) -> {
        try {
          node.setData(registration(type));
        } catch (Exception e) {
          log.debug("Cannot update the registration of {}: {}", type, e.toString());
        }
      });
    } catch (RuntimeException e) {
      log.warn("Heartbeats failed this round: {}", e.toString());
    }
  }

  private byte[] registration(String type) {
    var data = new LinkedHashMap<String, Object>();
    data.put("workerId", workerId);
    data.put("taskType", type);
    data.put("running", running.values().stream().filter(t -> t.context.dispatch().taskType().equals(type)).count());
    data.put("capacity", properties.concurrency());
    data.put("host", hostName());
    data.put("pid", ProcessHandle.current().pid());
    data.put("startedAt", startedAt.toString());
    data.put("heartbeatAt", Instant.now().toString());
    return json.writeValueAsBytes(data);
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle

  @Override
  public void start() {
    if (handlers.isEmpty()) {
      log.info("No task handlers to run in this process");
      active = true;
      return;
    }
    active = true;
    for (var handler : handlers) {
      var type = handler.taskType();
      slots.put(type, new Semaphore(properties.concurrency()));
      pools.put(type, Executors.newFixedThreadPool(properties.concurrency(), named("weft-task-" + type)));
      Gauge.builder("weft.worker.running", running,
              all -> all.values().stream().filter(t -> t.context.dispatch().taskType().equals(type)).count())
          .tag("task.type", type).register(meters);
      var node = new PersistentNode(zookeeper, CreateMode.EPHEMERAL, false,
          ZKPaths.makePath(zookeeperRoot, "workers", type, workerId), registration(type));
      node.start();
      registrations.put(type, node);
      var loop = loop("weft-worker-" + type, () -> consume(handler));
      loops.add(loop);
      loop.start();
    }
    var controlLoop = loop("weft-worker-control", this::control);
    loops.add(controlLoop);
    controlLoop.start();
    heartbeats = Executors.newSingleThreadScheduledExecutor(named("weft-worker-heartbeats"));
    heartbeats.scheduleWithFixedDelay(this::beat, properties.heartbeatInterval().toMillis(),
        properties.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    log.info("Worker {} runs {} with {} slots each", workerId, taskTypes(), properties.concurrency());
  }

  @Override
  public void stop() {
    if (!active) {
      return;
    }
    active = false;
    synchronized (openConsumers) {
      openConsumers.forEach(Consumer::wakeup);
    }
    for (var loop : loops) {
      try {
        loop.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // running attempts may finish within the grace; the rest go back to the orchestrator
    awaitIdle(properties.shutdownGrace());
    if (!running.isEmpty()) {
      log.info("Handing back {} unfinished attempts", running.size());
      running.values().forEach(RunningTask::handBack);
      awaitIdle(Duration.ofSeconds(10));
    }
    var current = heartbeats;
    if (current != null) {
      current.shutdownNow();
    }
    pools.values().forEach(ExecutorService::shutdownNow);
    registrations.values().forEach(node -> {
      try {
        node.close();
      } catch (IOException e) {
        log.debug("Closing a registration: {}", e.toString());
      }
    });
    log.info("Worker {} stopped", workerId);
  }

  /** Waits until no attempt runs here, or {@code timeout} has passed; each attempt's end wakes it. */
  private void awaitIdle(Duration timeout) {
    long end = System.nanoTime() + timeout.toNanos();
    synchronized (running) {
      long left;
      while (!running.isEmpty() && (left = end - System.nanoTime()) > 0) {
        try {
          TimeUnit.NANOSECONDS.timedWait(running, left);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  @Override
  public boolean isRunning() {
    return active;
  }

  @Override
  public int getPhase() {
    // stops before the Kafka producer and the ZooKeeper client it uses go
    return Integer.MAX_VALUE - 2000;
  }

  private static java.util.concurrent.ThreadFactory named(String name) {
    return runnable -> {
      var thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
  }

  /**
   * The consumer loops are what a task microservice on its own lives for: with no web server, the
   * JVM would exit as soon as {@code main} returns if they were daemons. {@link #stop()} ends them.
   */
  private static Thread loop(String name, Runnable body) {
    var thread = new Thread(body, name);
    thread.setDaemon(false);
    return thread;
  }

  private static String hostName() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "localhost";
    }
  }

  private static String defaultWorkerId() {
    var pid = ManagementFactory.getRuntimeMXBean().getPid();
    return hostName() + "-" + pid + "-" + UUID.randomUUID().toString().substring(0, 4);
  }
}
