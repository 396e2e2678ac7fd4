package org.weft.task.api;

import java.util.List;
import java.util.Objects;

/**
 * A command to the workers on {@code weft.task-control}, keyed by experiment id.
 *
 * @param experimentId the experiment concerned
 * @param taskId       one node, or {@code null} for every node of the experiment
 * @param dispatchId   one attempt of that node, or {@code null} for whichever attempt runs: a retry
 *                     already running elsewhere must not be stopped by the cancel of the attempt it
 *                     replaces
 * @param command      what to do
 * @param reason       why; {@code null} (from older senders) counts as {@link Reason#EXPERIMENT_CANCELLED}
 * @param files        of a {@link Command#COLLECT}, the files to delete; empty otherwise
 */
public record TaskControl(String experimentId, String taskId, String dispatchId, Command command, Reason reason,
    List<DataFile> files) {

  public enum Command {
    /** stop attempts */
    CANCEL,
    /**
     * delete files of a completed experiment that it keeps no more; done by the workers of
     * {@link #COLLECTORS}, which handle files
     */
    COLLECT
  }

  /** The task type whose workers delete the files a {@link Command#COLLECT} names. */
  public static final String COLLECTORS = "output-staging";

  /** The most files one command names. */
  public static final int MAX_FILES = 1_000;

  public enum Reason {
    /** the experiment was cancelled: its work is abandoned */
    EXPERIMENT_CANCELLED,
    /** the experiment failed elsewhere: its work is of no use any more */
    EXPERIMENT_FAILED,
    /**
     * the orchestrator gave up on this attempt (silent, or past its time limit) and a new attempt
     * takes over: stop the attempt, but leave what it started (a job, say) for its successor
     */
    ATTEMPT_EXPIRED,
    /**
     * another copy of the same attempt (a straggler's replica, or the original it replicated)
     * succeeded first: stop this one and undo what it started, its job above all
     */
    SUPERSEDED;

    /** Whether the work the attempt started is to be undone as well. */
    public boolean abandonsWork() {
      return this != ATTEMPT_EXPIRED;
    }
  }

  public TaskControl {
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(command, "command");
    if (reason == null) {
      reason = Reason.EXPERIMENT_CANCELLED;
    }
    files = files == null ? List.of() : List.copyOf(files);
    if (files.size() > MAX_FILES) {
      throw new IllegalArgumentException("A command names at most " + MAX_FILES + " files");
    }
  }

  public TaskControl(String experimentId, String taskId, String dispatchId, Command command, Reason reason) {
    this(experimentId, taskId, dispatchId, command, reason, List.of());
  }

  /** Delete these files of a completed experiment. */
  public static TaskControl collect(String experimentId, List<DataFile> files) {
    return new TaskControl(experimentId, null, null, Command.COLLECT, null, files);
  }

  /** Stop every attempt of the experiment and abandon their work. */
  public static TaskControl cancelExperiment(String experimentId, Reason reason) {
    return new TaskControl(experimentId, null, null, Command.CANCEL, reason);
  }

  /** Stop one attempt that the orchestrator has given up on. */
  public static TaskControl cancelExpiredAttempt(String experimentId, String taskId, String dispatchId) {
    return new TaskControl(experimentId, Objects.requireNonNull(taskId, "taskId"),
        Objects.requireNonNull(dispatchId, "dispatchId"), Command.CANCEL, Reason.ATTEMPT_EXPIRED);
  }

  /** Stop one copy of an attempt because another copy of it succeeded first. */
  public static TaskControl cancelSuperseded(String experimentId, String taskId, String dispatchId) {
    return new TaskControl(experimentId, Objects.requireNonNull(taskId, "taskId"),
        Objects.requireNonNull(dispatchId, "dispatchId"), Command.CANCEL, Reason.SUPERSEDED);
  }

  /** Whether this command is about the given attempt. */
  public boolean concerns(String experimentId, String taskId, String dispatchId) {
    return this.experimentId.equals(experimentId)
        && (this.taskId == null || this.taskId.equals(taskId))
        && (this.dispatchId == null || this.dispatchId.equals(dispatchId));
  }
}
