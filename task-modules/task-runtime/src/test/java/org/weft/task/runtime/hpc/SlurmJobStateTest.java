package org.weft.task.runtime.hpc;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.weft.task.runtime.hpc.SlurmJobState.Phase;

class SlurmJobStateTest {

  @ParameterizedTest
  @CsvSource({
      "PENDING, QUEUED", "CONFIGURING, QUEUED", "RUNNING, RUNNING", "COMPLETING, RUNNING", "COMPLETED, SUCCEEDED",
      "FAILED, FAILED", "OUT_OF_MEMORY, FAILED", "TIMEOUT, FAILED", "CANCELLED, FAILED", "NODE_FAIL, RETRYABLE",
      "PREEMPTED, RETRYABLE", "BOOT_FAIL, RETRYABLE", "SOMETHING_NEW, FAILED"})
  void schedulerStatesMapToPhases(String state, Phase phase) {
    assertThat(SlurmJobState.of(new SlurmScheduler.Listed(state, "None"), null).phase()).isEqualTo(phase);
  }

  @Test
  void aRecordedExitDecidesOnceTheSchedulerHasForgottenTheJob() {
    assertThat(SlurmJobState.of(null, 0).phase()).isEqualTo(Phase.SUCCEEDED);
    assertThat(SlurmJobState.of(null, 2).phase()).isEqualTo(Phase.FAILED);
    // named as SLURM names such a job, whether or not it still lists it
    assertThat(SlurmJobState.of(null, 0).state()).isEqualTo("COMPLETED");
    assertThat(SlurmJobState.of(null, 2).failure("7", null)).isEqualTo("SLURM job 7 exited with code 2 (FAILED)");
    assertThat(SlurmJobState.of(null, null)).isNull();
  }

  @Test
  void aCompletedJobWithANonZeroRecordedExitFailed() {
    var state = SlurmJobState.of(new SlurmScheduler.Listed("COMPLETED", ""), 4);

    assertThat(state.phase()).isEqualTo(Phase.FAILED);
    assertThat(state.failure("17", null)).isEqualTo("SLURM job 17 exited with code 4 (COMPLETED)");
  }

  @Test
  void aRunningJobWhoseScriptRecordedItsExitHasEnded() {
    assertThat(SlurmJobState.of(new SlurmScheduler.Listed("COMPLETING", ""), 0).phase()).isEqualTo(Phase.SUCCEEDED);
  }

  @Test
  void aQueuedJobKeepsItsReason() {
    assertThat(SlurmJobState.of(new SlurmScheduler.Listed("PENDING", "Resources"), null).reason()).isEqualTo("Resources");
  }

  @Test
  void failuresSayWhatHappened() {
    assertThat(SlurmJobState.of(new SlurmScheduler.Listed("TIMEOUT", ""), null).failure("9", "PT10M"))
        .isEqualTo("SLURM job 9 reached its time limit of PT10M and was stopped (TIMEOUT)");
    assertThat(SlurmJobState.of(new SlurmScheduler.Listed("OUT_OF_MEMORY", ""), null).failure("9", null))
        .contains("ran out of memory");
  }
}
