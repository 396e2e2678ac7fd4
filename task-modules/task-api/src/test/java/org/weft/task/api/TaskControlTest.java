package org.weft.task.api;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TaskControlTest {

  @Test
  void theCancelOfAnExpiredAttemptDoesNotReachItsRetry() {
    var control = TaskControl.cancelExpiredAttempt("e-1", "t-1", "d-1");

    assertThat(control.concerns("e-1", "t-1", "d-1")).isTrue();
    assertThat(control.concerns("e-1", "t-1", "d-2")).isFalse();
    assertThat(control.concerns("e-1", "t-2", "d-1")).isFalse();
    assertThat(control.reason().abandonsWork()).isFalse();
  }

  @Test
  void theCancelOfAnExperimentReachesEveryAttemptOfItAndAbandonsTheirWork() {
    var control = TaskControl.cancelExperiment("e-1", TaskControl.Reason.EXPERIMENT_CANCELLED);

    assertThat(control.concerns("e-1", "t-1", "d-1")).isTrue();
    assertThat(control.concerns("e-1", "t-9", "d-9")).isTrue();
    assertThat(control.concerns("e-2", "t-1", "d-1")).isFalse();
    assertThat(control.reason().abandonsWork()).isTrue();
  }
}
