package org.weft.task.runtime;

import java.time.Instant;

/** An attempt this worker has taken, from its admission until its result is sent. */
final class RunningTask {

  final TaskContext context;
  final Instant admittedAt = Instant.now();
  private volatile Thread runner;
  private volatile boolean handedBack;

  RunningTask(TaskContext context) {
    this.context = context;
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
