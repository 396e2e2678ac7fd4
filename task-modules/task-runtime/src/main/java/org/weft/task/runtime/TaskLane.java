package org.weft.task.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.core.ConsumerFactory;
import org.weft.task.api.Topics;

/**
 * One task type's way through a worker: the consumer of {@code weft.tasks.{taskType}} in the group
 * {@code weft-workers-{taskType}}, and the threads that run its attempts.
 *
 * <p>It takes at most {@code concurrency} attempts to run and {@code concurrency} more to start next
 * (each poll brings at most that many), and pauses its partitions while it is full. Offsets are
 * committed up to the first attempt that has not started: one waiting here when the process dies,
 * or when its partition moves to another instance, is consumed again there, and one that has started
 * is the orchestrator's to follow. A slot that frees wakes the loop at once: a loop that polled for a fixed time while full let a freed slot
 * wait out the poll, which capped a task type at a few slots per poll interval (20 tasks per second
 * with 4 slots and 200 ms). Should the consumer fail, the lane reports itself down, takes its
 * registration out of ZooKeeper (the orchestrator then sees no live worker here), and starts a new
 * consumer after a growing pause; attempts already running go on.
 */
final class TaskLane {

  private static final Logger log = LoggerFactory.getLogger(TaskLane.class);
  private static final Duration POLL = Duration.ofSeconds(1);
  static final Duration IDLE_FETCH_WAIT = Duration.ofSeconds(5);
  private static final Duration FULL_CHECK = Duration.ofMillis(100);
  private static final Duration COMMIT_INTERVAL = Duration.ofMillis(100);
  private static final long FIRST_BACKOFF_MS = 1_000;
  private static final long MAX_BACKOFF_MS = 30_000;

  /** What the lane does with what it consumed: the worker runtime's part. */
  interface Admitter {
    /**
     * Takes one record; returns the attempt it starts (which holds a slot until {@link #release()}
     * is called, and must call {@link #started} as it starts), or null when there is nothing to run.
     */
    Waiting admit(ConsumerRecord<String, String> record);

    void register();

    void deregister();
  }

  /** An attempt taken and not yet started. */
  interface Waiting {
    /** Gives up the attempt if it has not started: its partition has gone to another instance. */
    boolean revoke();

    boolean hasStarted();
  }

  /** Where one partition stands: the next offset to consume, and the attempts taken and not started. */
  private static final class Progress {
    volatile long next;
    final ConcurrentSkipListMap<Long, Waiting> waiting = new ConcurrentSkipListMap<>();
    long committed = -1;

    long committable() {
      for (var first = waiting.firstEntry(); first != null; first = waiting.firstEntry()) {
        if (!first.getValue().hasStarted()) {
          return first.getKey();
        }
        // it may have started before it was put here
        waiting.remove(first.getKey());
      }
      return next;
    }
  }

  /** Whether the lane's consumer is working. */
  enum Health {
    STARTING, UP, DOWN, STOPPED
  }

  private final String taskType;
  private final String topic;
  private final int concurrency;
  private final ConsumerFactory<String, String> consumers;
  private final String clientId;
  private final Admitter admitter;
  private final ExecutorService pool;
  private final AtomicInteger held = new AtomicInteger();
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition slotFreed = lock.newCondition();
  private final AtomicInteger restarts = new AtomicInteger();
  private final Map<TopicPartition, Progress> progress = new ConcurrentHashMap<>();
  private volatile Health health = Health.STARTING;
  private volatile String lastError;
  private volatile boolean active;
  private volatile Consumer<String, String> consumer;
  private Thread thread;

  TaskLane(String taskType, String topic, int concurrency, ConsumerFactory<String, String> consumers, String clientId,
      Admitter admitter) {
    this.taskType = taskType;
    this.topic = topic;
    this.concurrency = concurrency;
    this.consumers = consumers;
    this.clientId = clientId;
    this.admitter = admitter;
    this.pool = new ThreadPoolExecutor(concurrency, concurrency, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(),
        WorkerRuntime.named("weft-task-" + taskType));
  }

  String taskType() {
    return taskType;
  }

  Health health() {
    return health;
  }

  String lastError() {
    return lastError;
  }

  int restarts() {
    return restarts.get();
  }

  /** Attempts taken and not yet ended: running, or waiting for a thread. */
  int held() {
    return held.get();
  }

  ExecutorService pool() {
    return pool;
  }

  /** An attempt taken from {@code partition} at {@code offset} is starting: it no longer waits. */
  void started(TopicPartition partition, long offset) {
    var at = progress.get(partition);
    if (at != null) {
      at.waiting.remove(offset);
    }
  }

  /** An attempt taken by {@link Admitter#admit} has ended: its slot is free again. */
  void release() {
    held.decrementAndGet();
    wake();
  }

  private void wake() {
    lock.lock();
    try {
      slotFreed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  void start() {
    active = true;
    // not a daemon: a task microservice without a web server lives for this loop
    thread = new Thread(this::supervise, "weft-worker-" + taskType);
    thread.start();
  }

  /** Stops consuming; attempts running go on until the pool is shut down. */
  void stop() {
    active = false;
    var current = consumer;
    if (current != null) {
      current.wakeup();
    }
    wake();
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    health = Health.STOPPED;
  }

  private void supervise() {
    long backoff = FIRST_BACKOFF_MS;
    while (active) {
      try {
        consume();
        backoff = FIRST_BACKOFF_MS;
      } catch (WakeupException e) {
        // stopping
      } catch (RuntimeException e) {
        if (!active) {
          break;
        }
        health = Health.DOWN;
        lastError = e.toString();
        restarts.incrementAndGet();
        log.error("The consumer of {} failed; deregistered, starting a new one in {} ms", topic, backoff, e);
        admitter.deregister();
        pause(backoff);
        backoff = Math.min(backoff * 2, MAX_BACKOFF_MS);
      }
    }
  }

  private void consume() {
    var overrides = new Properties();
    overrides.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
    overrides.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, String.valueOf(concurrency));
    overrides.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    overrides.put(ConsumerConfig.METADATA_MAX_AGE_CONFIG, "5000");
    // a fetch waits at the broker for data this long when there is none, and returns as soon as
    // there is some: longer than Kafka's 500 ms costs no latency, only fewer idle round trips
    overrides.put(ConsumerConfig.FETCH_MAX_WAIT_MS_CONFIG, String.valueOf(IDLE_FETCH_WAIT.toMillis()));
    var current = consumers.createConsumer(Topics.workerGroup(taskType), clientId, null, overrides);
    consumer = current;
    try (current) {
      current.subscribe(List.of(topic), new ConsumerRebalanceListener() {
        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
          // what has started here must not start again at the partitions' next owner; what waits
          // here is given up, as the next owner consumes it again
          for (var partition : partitions) {
            var at = progress.get(partition);
            if (at != null) {
              at.waiting.values().forEach(Waiting::revoke);
            }
          }
          commit(current, true);
          partitions.forEach(progress::remove);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
          for (var partition : partitions) {
            var at = progress.remove(partition);
            if (at != null) {
              at.waiting.values().forEach(Waiting::revoke);
            }
          }
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {}
      });
      if (!active) {
        return;
      }
      admitter.register();
      health = Health.UP;
      lastError = null;
      long lastCommit = 0;
      while (active) {
        if (held.get() >= concurrency) {
          current.pause(current.assignment());
          awaitSlot();
          if (held.get() >= concurrency) {
            // polled while paused: the group's rebalances happen inside poll
            current.poll(Duration.ZERO);
            continue;
          }
        }
        if (!current.paused().isEmpty()) {
          current.resume(current.paused());
        }
        var records = current.poll(POLL);
        for (var record : records) {
          var partition = new TopicPartition(record.topic(), record.partition());
          var at = progress.computeIfAbsent(partition, p -> new Progress());
          var waiting = admitter.admit(record);
          if (waiting != null) {
            held.incrementAndGet();
            at.waiting.put(record.offset(), waiting);
          }
          at.next = record.offset() + 1;
        }
        long now = System.nanoTime();
        if (now - lastCommit >= COMMIT_INTERVAL.toNanos()) {
          commit(current, false);
          lastCommit = now;
        }
      }
      commit(current, true);
    } finally {
      consumer = null;
      progress.clear();
    }
  }

  /** Commits each partition up to its first attempt not yet started, where that moved. */
  private void commit(Consumer<String, String> current, boolean sync) {
    var offsets = new HashMap<TopicPartition, OffsetAndMetadata>();
    progress.forEach((partition, at) -> {
      long committable = at.committable();
      if (committable > at.committed && at.next > 0) {
        offsets.put(partition, new OffsetAndMetadata(committable));
        at.committed = committable;
      }
    });
    if (offsets.isEmpty()) {
      return;
    }
    if (sync) {
      current.commitSync(offsets);
    } else {
      current.commitAsync(offsets, null);
    }
  }

  private void awaitSlot() {
    lock.lock();
    try {
      if (active && held.get() >= concurrency) {
        slotFreed.await(FULL_CHECK.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      active = false;
    } finally {
      lock.unlock();
    }
  }

  private void pause(long millis) {
    lock.lock();
    try {
      long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
      long left;
      while (active && (left = end - System.nanoTime()) > 0) {
        slotFreed.awaitNanos(left);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      active = false;
    } finally {
      lock.unlock();
    }
  }
}
