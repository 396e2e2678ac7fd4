package org.weft.task.runtime.hpc;

import java.util.Set;

/**
 * Where a SLURM job stands, as monitoring reports it.
 *
 * @param phase    queued, running, or ended in one of three ways
 * @param state    SLURM's own state name ({@code PENDING}, {@code TIMEOUT}, …); when only the job's
 *                 exit record tells of its end, {@code COMPLETED} or {@code FAILED} by its exit code
 * @param reason   SLURM's reason ({@code Priority}, {@code Resources}, …) where it gives one
 * @param exitCode the exit code the job's script recorded, or null
 */
public record SlurmJobState(Phase phase, String state, String reason, Integer exitCode) {

  public enum Phase {
    QUEUED,
    RUNNING,
    SUCCEEDED,
    /** ended for good: a non-zero exit, out of memory, out of time, cancelled */
    FAILED,
    /** ended by the cluster, not by the job: another attempt may run it */
    RETRYABLE;

    public boolean ended() {
      return this == SUCCEEDED || this == FAILED || this == RETRYABLE;
    }
  }

  private static final Set<String> QUEUED = Set.of("PENDING", "CONFIGURING", "REQUEUED", "REQUEUE_FED", "REQUEUE_HOLD",
      "RESV_DEL_HOLD", "SUSPENDED", "STOPPED", "RESIZING", "SIGNALING", "STAGE_OUT");
  private static final Set<String> RUNNING = Set.of("RUNNING", "COMPLETING");
  private static final Set<String> RETRY = Set.of("NODE_FAIL", "PREEMPTED", "BOOT_FAIL");

  /**
   * The state of a job from one query: what the scheduler lists, else what its script recorded;
   * null when neither knows of it.
   */
  public static SlurmJobState of(SlurmScheduler.Listed listed, Integer recordedExit) {
    if (listed == null) {
      if (recordedExit == null) {
        return null;
      }
      // SLURM's own names for a batch job that exited so, which it may no longer (or not yet) list
      return recordedExit == 0 ? new SlurmJobState(Phase.SUCCEEDED, "COMPLETED", null, 0)
          : new SlurmJobState(Phase.FAILED, "FAILED", null, recordedExit);
    }
    var state = listed.state().strip().toUpperCase();
    var reason = listed.reason() == null || listed.reason().isBlank() || listed.reason().equals("None") ? null
        : listed.reason().strip();
    if (QUEUED.contains(state)) {
      return new SlurmJobState(Phase.QUEUED, state, reason, null);
    }
    if (RUNNING.contains(state)) {
      // the script records its exit just before it ends: a recorded job is over, whatever squeue says
      return recordedExit == null ? new SlurmJobState(Phase.RUNNING, state, reason, null)
          : of(null, recordedExit);
    }
    if (state.equals("COMPLETED")) {
      int code = recordedExit == null ? 0 : recordedExit;
      return new SlurmJobState(code == 0 ? Phase.SUCCEEDED : Phase.FAILED, state, reason, code);
    }
    if (RETRY.contains(state)) {
      return new SlurmJobState(Phase.RETRYABLE, state, reason, recordedExit);
    }
    // FAILED, OUT_OF_MEMORY, TIMEOUT, CANCELLED, DEADLINE, and any state this list does not know yet
    return new SlurmJobState(Phase.FAILED, state, reason, recordedExit);
  }

  /** Why the job failed, in words a researcher understands. */
  public String failure(String jobId, String wallTime) {
    return switch (state) {
      case "TIMEOUT" -> "SLURM job %s reached its time limit%s and was stopped (TIMEOUT)".formatted(jobId,
          wallTime == null ? "" : " of " + wallTime);
      case "OUT_OF_MEMORY" -> "SLURM job %s ran out of memory (OUT_OF_MEMORY)".formatted(jobId);
      case "CANCELLED" -> "SLURM job %s was cancelled (CANCELLED)".formatted(jobId);
      case "NODE_FAIL", "PREEMPTED", "BOOT_FAIL" -> "SLURM job %s was ended by the cluster (%s)".formatted(jobId, state);
      default -> exitCode != null
          ? "SLURM job %s exited with code %d (%s)".formatted(jobId, exitCode, state)
          : "SLURM job %s ended as %s".formatted(jobId, state);
    };
  }
}
