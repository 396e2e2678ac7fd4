package org.weft.task.runtime;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.curator.utils.ZKPaths;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;
import org.weft.task.api.Topics;
import org.weft.task.runtime.files.DataFiles;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the task handlers of this process. Per task type a {@link TaskLane} consumes
 * {@code weft.tasks.{taskType}} in the consumer group {@code weft-workers-{taskType}} (so instances
 * of a task microservice share the work) and runs up to {@code concurrency} attempts at once; the
 * runtime sends a {@code RUNNING} heartbeat when it takes an attempt and while it runs, its result
 * when it ends, and registers as the ephemeral {@code /weft/workers/{taskType}/{workerId}} with its
 * load. Results and heartbeats are sent without waiting for the broker; one the broker refused is
 * sent again. The {@link DispatchJournal} in {@code state-dir} remembers what ran here across
 * restarts, so a repeated dispatch never runs twice.
 */
public final class WorkerRuntime implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(WorkerRuntime.class);
  private static final Duration POLL = Duration.ofSeconds(5);
  private static final Duration RESEND_INTERVAL = Duration.ofSeconds(1);
  private static final Duration FIRST_HEARTBEAT = Duration.ofMillis(20);
  /** Past this many unsent messages heartbeats are dropped: results and repeats matter, heartbeats recur. */
  private static final int MAX_UNSENT = 100_000;

  private final List<TaskHandler> handlers;
  private final DataFiles dataFiles;
  private final ConsumerFactory<String, String> consumers;
  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final CuratorFramework zookeeper;
  private final String zookeeperRoot;
  private final WorkerProperties properties;
  private final MeterRegistry meters;
  private final String workerId;
  private final DeadLetterPublishingRecoverer deadLetters;
  private final JsonMapper json = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private final Map<String, RunningTask> running = new ConcurrentHashMap<>();
  private final Map<String, TaskLane> lanes = new ConcurrentHashMap<>();
  private final Map<String, DispatchJournal> journals = new ConcurrentHashMap<>();
  private final Map<String, PersistentNode> registrations = new ConcurrentHashMap<>();
  private final Deque<Unsent> unsent = new ConcurrentLinkedDeque<>();
  private final AtomicInteger unsentCount = new AtomicInteger();
  private final Instant startedAt = Instant.now();
  private volatile boolean active;
  private volatile Thread controlLoop;
  private volatile Consumer<String, String> controlConsumer;
  private volatile ScheduledExecutorService heartbeats;
  /** Deletes collected files, apart from the heartbeats: a cluster's answer may take a while. */
  private volatile java.util.concurrent.ExecutorService collecting;

  /** A message the broker did not take, to be sent again. */
  private record Unsent(String key, String value, boolean heartbeat) {}

  public WorkerRuntime(List<TaskHandler> handlers, ConsumerFactory<String, String> consumers,
      KafkaTemplate<String, String> kafka, Topics topics, CuratorFramework zookeeper, String zookeeperRoot,
      WorkerProperties properties, MeterRegistry meters, DataFiles dataFiles) {
    this.dataFiles = dataFiles;
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
    this.deadLetters = DeadLetters.recoverer(kafka, topics);
    for (var handler : this.handlers) {
      topics.tasks(handler.taskType()); // refuses a task type that cannot name a topic, at start-up
    }
    meters.gauge("weft.worker.unsent", unsentCount);
  }

  public String workerId() {
    return workerId;
  }

  public List<String> taskTypes() {
    return handlers.stream().map(TaskHandler::taskType).toList();
  }

  /** Attempts taken here now, of every task type. */
  public int load() {
    return running.size();
  }

  /** Each task type's consumer: whether it works, its last failure, how often it was started again. */
  public Map<String, Map<String, Object>> lanes() {
    var all = new TreeMap<String, Map<String, Object>>();
    lanes.forEach((type, lane) -> {
      var details = new LinkedHashMap<String, Object>();
      details.put("consumer", lane.health().name());
      details.put("taken", lane.held());
      details.put("restarts", lane.restarts());
      if (lane.lastError() != null) {
        details.put("lastError", lane.lastError());
      }
      all.put(type, details);
    });
    return all;
  }

  /** Whether every task type's consumer works (a lane still starting counts as working). */
  public boolean healthy() {
    return lanes.values().stream().noneMatch(lane -> lane.health() == TaskLane.Health.DOWN);
  }

  private DispatchJournal journal(String type) {
    return journals.get(type);
  }

  // ----------------------------------------------------------------------------------------------
  // taking dispatches

  /** Takes one dispatch of {@code lane}'s task type; returns the attempt it runs, if it runs one. */
  private TaskLane.Waiting admit(TaskHandler handler, TaskLane lane, ConsumerRecord<String, String> record) {
    var type = handler.taskType();
    TaskDispatch dispatch;
    try {
      dispatch = json.readValue(record.value(), TaskDispatch.class);
      if (dispatch == null) {
        throw new IllegalArgumentException("empty message");
      }
    } catch (RuntimeException e) {
      malformed(type, record, e);
      return null;
    }
    if (!type.equals(dispatch.taskType())) {
      send(failure(dispatch, "dispatch for task type '%s' arrived on the topic of '%s'".formatted(dispatch.taskType(), type),
          false));
      return null;
    }
    if (!TaskContext.safeId(dispatch.experimentId())) {
      // every handler names directories after it: refused here, for all of them
      meters.counter("weft.worker.malformed", "task.type", type).increment();
      send(failure(dispatch, "the experiment id cannot name a directory: it must match " + TaskContext.SAFE_ID.pattern(),
          false));
      return null;
    }
    var admission = journal(type).admit(dispatch.dispatchId());
    if (admission instanceof DispatchJournal.Admission.AlreadyRunning) {
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "running").increment();
      log.debug("Dispatch {} is running here already; its result will follow", dispatch.dispatchId());
      var task = running.get(dispatch.dispatchId());
      if (task != null) {
        send(heartbeat(task));
      }
      return null;
    }
    if (admission instanceof DispatchJournal.Admission.AlreadyDone done) {
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "done").increment();
      log.debug("Dispatch {} ran here already; answering with its result", dispatch.dispatchId());
      send(done.result());
      return null;
    }
    if (admission instanceof DispatchJournal.Admission.Interrupted
        && !handler.rerunsSafely(new TaskContext(dispatch, workerId))) {
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "interrupted").increment();
      log.warn("Dispatch {} was running here when this worker's process stopped; not running it again",
          dispatch.dispatchId());
      var result = failure(dispatch,
          "the worker %s stopped while this attempt ran; it is not run again, since it may have begun its work"
              .formatted(workerId), true);
      journal(type).finish(dispatch.dispatchId(), result);
      send(result);
      return null;
    }
    if (admission instanceof DispatchJournal.Admission.Interrupted) {
      meters.counter("weft.worker.repeats", "task.type", type, "kind", "interrupted").increment();
      log.info("Dispatch {} was running here when this worker's process stopped; running it again, which is safe for it",
          dispatch.dispatchId());
      journal(type).readmit(dispatch.dispatchId());
    }
    var task = new RunningTask(new TaskContext(dispatch, workerId),
        new TopicPartition(record.topic(), record.partition()), record.offset());
    running.put(dispatch.dispatchId(), task);
    lane.pool().execute(() -> execute(handler, lane, task));
    return task;
  }

  private void execute(TaskHandler handler, TaskLane lane, RunningTask task) {
    var dispatch = task.context.dispatch();
    var type = handler.taskType();
    if (!task.start()) {
      // its partition went to another worker while it waited here, and runs it there
      journal(type).abandon(dispatch.dispatchId());
      forget(dispatch.dispatchId(), lane);
      return;
    }
    lane.started(task.partition, task.offset);
    task.runningOn(Thread.currentThread());
    // a task that ends within FIRST_HEARTBEAT needs no heartbeat: its result says it all, in one
    // transaction of the orchestrator instead of two; a longer one is known to run from then on
    var firstBeat = firstHeartbeat(task);
    MDC.put("experimentId", dispatch.experimentId());
    MDC.put("taskId", dispatch.taskId());
    var sample = Timer.start(meters);
    TaskResult result;
    try {
      task.context.checkCancelled();
      log.debug("Running {} attempt {} of {} (dispatch {})", type, dispatch.attempt(), dispatch.taskKey(),
          dispatch.dispatchId());
      var lost = dataFiles.lost(task.context);
      if (!lost.isEmpty()) {
        throw new InputsLost(lost);
      }
      var outputs = handler.run(task.context);
      task.context.checkCancelled();
      result = new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
          TaskResult.Status.SUCCEEDED, outputs == null ? Map.of() : outputs, null, workerId, Instant.now(),
          task.context.produced(), task.context.consumed());
    } catch (Throwable e) {
      result = failure(dispatch, task, e);
    } finally {
      Thread.interrupted(); // a cancel's interrupt must not leak into the pool's next task
      task.runningOn(null);
      if (firstBeat != null) {
        firstBeat.cancel(false);
      }
    }
    sample.stop(meters.timer("weft.worker.task.duration", "task.type", type));
    var outcome = result.status() == TaskResult.Status.SUCCEEDED ? "succeeded"
        : task.context.isCancelled() ? "cancelled" : "failed";
    meters.counter("weft.worker.tasks", "task.type", type, "outcome", outcome).increment();
    if (result.status() == TaskResult.Status.SUCCEEDED) {
      log.debug("{} of {} succeeded", type, dispatch.taskKey());
    } else {
      log.debug("{} of {} failed (retryable: {}): {}", type, dispatch.taskKey(), result.error().retryable(),
          result.error().message());
    }
    try {
      if (task.handedBack()) {
        journal(type).abandon(dispatch.dispatchId());
      } else {
        journal(type).finish(dispatch.dispatchId(), result);
      }
    } catch (RuntimeException e) {
      log.error("Cannot record the end of dispatch {}: {}", dispatch.dispatchId(), e.toString());
    }
    send(result);
    forget(dispatch.dispatchId(), lane);
    MDC.remove("experimentId");
    MDC.remove("taskId");
  }

  /** An attempt taken here is over: its slot is free, and a shutdown waiting for the idle hears of it. */
  private void forget(String dispatchId, TaskLane lane) {
    synchronized (running) {
      running.remove(dispatchId);
      running.notifyAll();
    }
    lane.release();
  }

  private ScheduledFuture<?> firstHeartbeat(RunningTask task) {
    try {
      return heartbeats.schedule(() -> {
        if (running.containsKey(task.context.dispatch().dispatchId()) && !task.context.isCancelled()) {
          send(heartbeat(task));
        }
      }, FIRST_HEARTBEAT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException stopping) {
      return null;
    }
  }

  private TaskResult failure(TaskDispatch dispatch, RunningTask task, Throwable e) {
    if (task.handedBack()) {
      return failure(dispatch, "the worker %s stopped before the task ended; handed back".formatted(workerId), true);
    }
    if (task.context.isCancelled()) {
      return failure(dispatch, "cancelled", false);
    }
    if (e instanceof InputsLost lost) {
      return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
          TaskResult.Status.FAILED, Map.of(), new TaskResult.Error(lost.getMessage(), false, lost.files()), workerId,
          Instant.now());
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
   * with the reason (no retry can mend the message); otherwise it is parked on the dead-letter topic,
   * as the orchestrator parks what it cannot read.
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
    DeadLetters.park(deadLetters, record, e);
  }

  private static String text(JsonNode tree, String field) {
    var node = tree.get(field);
    return node != null && node.isString() && !node.asString().isBlank() ? node.asString() : null;
  }

  /** Hands a result or heartbeat to the producer; one the broker does not take is sent again. */
  private void send(TaskResult result) {
    var heartbeat = result.status() == TaskResult.Status.RUNNING;
    send(new Unsent(result.experimentId(), json.writeValueAsString(result), heartbeat));
  }

  private void send(Unsent message) {
    try {
      kafka.send(topics.taskResults(), message.key(), message.value()).whenComplete((sent, failure) -> {
        if (failure != null) {
          keep(message, failure);
        }
      });
    } catch (RuntimeException e) {
      // the producer refused at once: closed, or its buffer full past max.block.ms
      keep(message, e);
    }
  }

  private void keep(Unsent message, Throwable failure) {
    if (message.heartbeat() && unsentCount.get() >= MAX_UNSENT) {
      return;
    }
    if (unsentCount.getAndIncrement() == 0) {
      log.warn("Kafka did not take a message for {}; sending it again shortly: {}", topics.taskResults(),
          failure.toString());
    }
    unsent.add(message);
  }

  /** Sends again, in order, what the broker did not take. */
  private void resend() {
    int count = unsentCount.get();
    for (int i = 0; i < count; i++) {
      var message = unsent.poll();
      if (message == null) {
        break;
      }
      unsentCount.decrementAndGet();
      send(message);
    }
  }

  // ----------------------------------------------------------------------------------------------
  // commands

  private void control() {
    var overrides = new Properties();
    overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
    overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "true");
    overrides.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(TaskLane.IDLE_FETCH_WAIT.toMillis()));
    long backoff = 1_000;
    while (active) {
      // every worker hears every command: a group of its own
      try (var consumer = consumers.createConsumer("weft-worker-control-" + workerId, workerId + "-control", null,
          overrides)) {
        controlConsumer = consumer;
        if (!active) {
          return;
        }
        consumer.subscribe(List.of(topics.taskControl()));
        while (active) {
          for (var record : consumer.poll(POLL)) {
            try {
              apply(json.readValue(record.value(), TaskControl.class));
            } catch (RuntimeException e) {
              log.warn("Unreadable command at {}-{}@{} ignored: {}", record.topic(), record.partition(),
                  record.offset(), e.getMessage());
            }
          }
          backoff = 1_000;
        }
      } catch (WakeupException e) {
        // stopping
      } catch (RuntimeException e) {
        if (!active) {
          return;
        }
        log.error("The consumer of {} failed; starting a new one in {} ms", topics.taskControl(), backoff, e);
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(backoff));
        backoff = Math.min(backoff * 2, 30_000);
      } finally {
        controlConsumer = null;
      }
    }
  }

  void apply(TaskControl command) {
    if (command != null && command.command() == TaskControl.Command.COLLECT) {
      collect(command);
      return;
    }
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

  /**
   * Deletes the files of a completed experiment that it keeps no more, off the command loop: on the
   * workers of the task type that handles files only, so that one service deletes them, not all.
   */
  private void collect(TaskControl command) {
    if (handlers.stream().noneMatch(handler -> TaskControl.COLLECTORS.equals(handler.taskType()))) {
      return;
    }
    try {
      collecting.execute(() -> {
        try {
          int deleted = dataFiles.delete(command.files());
          log.info("Deleted {} of {} files experiment {} keeps no more", deleted, command.files().size(),
              command.experimentId());
        } catch (RuntimeException e) {
          log.warn("Could not delete the files experiment {} keeps no more: {}", command.experimentId(), e.toString());
        }
      });
    } catch (RejectedExecutionException stopping) {
      log.debug("Stopping; the files of experiment {} are left", command.experimentId());
    }
  }

  // ----------------------------------------------------------------------------------------------
  // liveness and load

  private void beat() {
    try {
      for (var task : running.values()) {
        // one waiting for a thread is still queued, for the orchestrator as for Kafka
        if (task.hasStarted() && !task.context.isCancelled()) {
          send(heartbeat(task));
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
    var lane = lanes.get(type);
    data.put("running", lane == null ? 0 : lane.held());
    data.put("capacity", properties.concurrency());
    data.put("host", hostName());
    data.put("pid", ProcessHandle.current().pid());
    data.put("startedAt", startedAt.toString());
    data.put("heartbeatAt", Instant.now().toString());
    return json.writeValueAsBytes(data);
  }

  private void register(String type) {
    registrations.computeIfAbsent(type, t -> {
      var node = new PersistentNode(zookeeper, CreateMode.EPHEMERAL, false,
          ZKPaths.makePath(zookeeperRoot, "workers", t, workerId), registration(t));
      node.start();
      return node;
    });
  }

  private void deregister(String type) {
    var node = registrations.remove(type);
    if (node != null) {
      try {
        node.close();
      } catch (IOException e) {
        log.debug("Closing the registration of {}: {}", type, e.toString());
      }
    }
  }

  // ----------------------------------------------------------------------------------------------
  // lifecycle

  @Override
  public void start() {
    active = true;
    if (handlers.isEmpty()) {
      log.info("No task handlers to run in this process");
      return;
    }
    var scheduler = new ScheduledThreadPoolExecutor(1, named("weft-worker-heartbeats"));
    scheduler.setRemoveOnCancelPolicy(true);
    heartbeats = scheduler;
    collecting = java.util.concurrent.Executors.newSingleThreadExecutor(named("weft-worker-collector"));
    for (var handler : handlers) {
      var type = handler.taskType();
      journals.put(type, DispatchJournal.open(properties.remembered(), properties.stateDirectory(), type,
          new DispatchJournal.Codec(json::writeValueAsString, line -> json.readValue(line, TaskResult.class))));
      var lane = new TaskLane[1];
      lane[0] = new TaskLane(type, topics.tasks(type), properties.concurrency(), consumers, Topics.workerClientId(workerId, type),
          new TaskLane.Admitter() {
            @Override
            public TaskLane.Waiting admit(ConsumerRecord<String, String> record) {
              return WorkerRuntime.this.admit(handler, lane[0], record);
            }

            @Override
            public void register() {
              WorkerRuntime.this.register(type);
            }

            @Override
            public void deregister() {
              WorkerRuntime.this.deregister(type);
            }
          });
      lanes.put(type, lane[0]);
      Gauge.builder("weft.worker.running", lane[0], TaskLane::held).tag("task.type", type).register(meters);
    }
    lanes.values().forEach(TaskLane::start);
    var control = new Thread(this::control, "weft-worker-control");
    control.setDaemon(true);
    controlLoop = control;
    control.start();
    heartbeats.scheduleWithFixedDelay(this::beat, properties.heartbeatInterval().toMillis(),
        properties.heartbeatInterval().toMillis(), TimeUnit.MILLISECONDS);
    heartbeats.scheduleWithFixedDelay(this::resend, RESEND_INTERVAL.toMillis(), RESEND_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
    log.info("Worker {} runs {} with {} slots each", workerId, taskTypes(), properties.concurrency());
  }

  @Override
  public void stop() {
    if (!active) {
      return;
    }
    active = false;
    var control = controlConsumer;
    if (control != null) {
      control.wakeup();
    }
    lanes.values().forEach(TaskLane::stop);
    // running attempts may finish within the grace; the rest go back to the orchestrator
    awaitIdle(properties.shutdownGrace());
    if (!running.isEmpty()) {
      log.info("Handing back {} unfinished attempts", running.size());
      running.values().forEach(RunningTask::handBack);
      awaitIdle(Duration.ofSeconds(10));
    }
    resend();
    var current = heartbeats;
    if (current != null) {
      current.shutdownNow();
    }
    var deleting = collecting;
    if (deleting != null) {
      deleting.shutdownNow();
    }
    lanes.values().forEach(lane -> lane.pool().shutdownNow());
    new ArrayList<>(registrations.keySet()).forEach(this::deregister);
    journals.values().forEach(DispatchJournal::close);
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

  static ThreadFactory named(String name) {
    return runnable -> {
      var thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    };
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
