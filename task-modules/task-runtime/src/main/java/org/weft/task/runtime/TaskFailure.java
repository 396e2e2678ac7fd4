package org.weft.task.runtime;

/** A task failed for a reason its handler understands; says whether another attempt can help. */
public class TaskFailure extends RuntimeException {

  private final boolean retryable;

  public TaskFailure(String message, boolean retryable) {
    super(message);
    this.retryable = retryable;
  }

  public TaskFailure(String message, boolean retryable, Throwable cause) {
    super(message, cause);
    this.retryable = retryable;
  }

  /** Bad input or a definite outcome: the same attempt would fail the same way. */
  public static TaskFailure permanent(String message) {
    return new TaskFailure(message, false);
  }

  /** A passing condition (a network error, a resource that is busy): another attempt may succeed. */
  public static TaskFailure retryable(String message) {
    return new TaskFailure(message, true);
  }

  public boolean retryable() {
    return retryable;
  }
}
