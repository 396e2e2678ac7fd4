package org.weft.task.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.weft.task.api.TaskDispatch;

class TaskContextTest {

  private final TaskContext context = new TaskContext(new TaskDispatch("d-1", "e-1", "t-1", "monitor", "monitoring", 1,
      Map.of(), Instant.now()), "w-1");
  private final AtomicInteger undone = new AtomicInteger();

  @Test
  void abandonedWorkIsUndoneOnce() {
    context.onCancel(undone::incrementAndGet);

    context.stop(TaskContext.StopReason.WORK_ABANDONED);
    context.stop(TaskContext.StopReason.WORK_ABANDONED);

    assertThat(context.isCancelled()).isTrue();
    assertThat(undone).hasValue(1);
  }

  @Test
  void anAttemptHandedBackAtShutdownStopsButLeavesItsWorkForTheRetry() {
    context.onCancel(undone::incrementAndGet);

    context.stop(TaskContext.StopReason.WORKER_STOPPING);
    context.stop(TaskContext.StopReason.WORK_ABANDONED);

    assertThat(context.isCancelled()).isTrue();
    assertThat(context.stopReason()).isEqualTo(TaskContext.StopReason.WORKER_STOPPING);
    assertThat(undone).hasValue(0);
  }

  @Test
  void anExpiredAttemptStopsButLeavesItsWorkForTheRetry() {
    context.stop(TaskContext.StopReason.ATTEMPT_EXPIRED);
    context.onCancel(undone::incrementAndGet);

    assertThat(context.isCancelled()).isTrue();
    assertThat(undone).hasValue(0);
  }

  @Test
  void anActionRegisteredAfterTheWorkWasAbandonedRunsAtOnce() {
    context.stop(TaskContext.StopReason.WORK_ABANDONED);
    context.onCancel(undone::incrementAndGet);

    assertThat(undone).hasValue(1);
  }
}
