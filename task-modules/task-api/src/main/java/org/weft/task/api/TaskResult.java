package org.weft.task.api;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What a worker reports about one dispatch on {@code weft.task-results}: {@code RUNNING} is a
 * heartbeat, the other two end the attempt. A success names the files the attempt wrote
 * ({@code produced}) and read ({@code consumed}), empty for tasks that handle no files.
 */
public record TaskResult(
    String dispatchId,
    String experimentId,
    String taskId,
    int attempt,
    Status status,
    Map<String, Object> outputs,
    Error error,
    String workerId,
    Instant at,
    List<DataFile> produced,
    List<DataFile> consumed) {

  public enum Status {
    RUNNING,
    SUCCEEDED,
    FAILED;

    public boolean isFinal() {
      return this != RUNNING;
    }
  }

  /**
   * Why an attempt failed.
   *
   * @param message    for people: what went wrong, without a stack trace
   * @param retryable  whether another attempt may succeed (a timeout, an unreachable host), as
   *                   opposed to bad input that fails the same way every time
   * @param lostInputs the files the attempt was to read that were missing or changed when it was to
   *                   start, as the orchestrator described them in the dispatch; not empty only
   *                   when that is why the attempt did not run. The orchestrator then re-creates
   *                   them by re-running what wrote them, and runs the task again
   */
  public record Error(String message, boolean retryable, List<DataFile> lostInputs) {
    public Error {
      Objects.requireNonNull(message, "message");
      lostInputs = lostInputs == null ? List.of() : List.copyOf(lostInputs);
      if (lostInputs.size() > MAX_FILES) {
        throw new IllegalArgumentException("A result names at most " + MAX_FILES + " lost inputs");
      }
    }

    public Error(String message, boolean retryable) {
      this(message, retryable, List.of());
    }

    /** Whether the attempt did not run because inputs it was to read were lost. */
    public boolean inputsLost() {
      return !lostInputs.isEmpty();
    }
  }

  public TaskResult {
    Objects.requireNonNull(dispatchId, "dispatchId");
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(taskId, "taskId");
    Objects.requireNonNull(status, "status");
    if (status == Status.FAILED && error == null) {
      throw new IllegalArgumentException("A FAILED result must say why (error)");
    }
    outputs = outputs == null ? Map.of() : Map.copyOf(outputs);
    produced = produced == null ? List.of() : List.copyOf(produced);
    consumed = consumed == null ? List.of() : List.copyOf(consumed);
    if (produced.size() > MAX_FILES || consumed.size() > MAX_FILES) {
      throw new IllegalArgumentException("A result names at most " + MAX_FILES + " files written and as many read");
    }
  }

  /** The most files one result may name each way: the lineage of one task, not a file system's listing. */
  public static final int MAX_FILES = 10_000;

  /** Whether the result names any file, written or read. */
  public boolean namesFiles() {
    return !produced.isEmpty() || !consumed.isEmpty();
  }

  /** A result that names no files. */
  public TaskResult(String dispatchId, String experimentId, String taskId, int attempt, Status status,
      Map<String, Object> outputs, Error error, String workerId, Instant at) {
    this(dispatchId, experimentId, taskId, attempt, status, outputs, error, workerId, at, List.of(), List.of());
  }
}
