package org.weft.task.runtime;

import java.time.Instant;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.common.TopicPartition;

/** An attempt this worker has taken, from its admission until its result is sent. */
final class RunningTask implements TaskLane.Waiting {

  private enum Phase {
    WAITING, STARTED, REVOKED
  }

  final TaskContext context;
  final TopicPartition partition;
  final long offset;
  final Instant admittedAt = Instant.now();
  private final AtomicReference<Phase> phase = new AtomicReference<>(Phase.WAITING);
  private volatile Thread runner;
  private volatile boolean handedBack;

  RunningTask(TaskContext context, TopicPartition partition, long offset) {
    this.context = context;
    this.partition = partition;
    this.offset = offset;
  }

  /** Starts the attempt, unless it was revoked while it waited for a thread. */
  boolean start() {
    return phase.compareAndSet(Phase.WAITING, Phase.STARTED);
  }

  @Override
  public boolean revoke() {
    return phase.compareAndSet(Phase.WAITING, Phase.REVOKED);
  }

  @Override
  public boolean hasStarted() {
    return phase.get() != Phase.WAITING;
  }

  void runningOn(Thread thread) {
    runner = thread;
  }

  void stop(TaskContext.StopReason reason) {
    context.stop(reason);
    var thread = runner;
    if (thread != null) {
      thread.interrupt();
    }
  }

  /** Stopped because this worker is shutting down: the attempt goes back as a retryable failure. */
  void handBack() {
    handedBack = true;
    stop(TaskContext.StopReason.WORKER_STOPPING);
  }

  boolean handedBack() {
    return handedBack;
  }
}
