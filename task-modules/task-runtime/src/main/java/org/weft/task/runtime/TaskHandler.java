package org.weft.task.runtime;

import java.util.Map;

/**
 * The work of one task type. A task microservice is one implementation of this, registered as a
 * bean; the runtime does the rest (consuming dispatches, heartbeats, repeats, cancellation, results).
 */
public interface TaskHandler {

  /** The task type this handler runs; names the topic {@code weft.tasks.{taskType}}. */
  String taskType();

  /**
   * Runs one attempt.
   *
   * @return the task's outputs, as the template's downstream tasks reference them
   * @throws TaskFailure for a failure the handler understands, saying whether a retry can help;
   *                     any other exception fails the attempt too (I/O errors as retryable)
   */
  Map<String, Object> run(TaskContext context) throws Exception;

  /**
   * Whether an attempt that was running when this worker's process died may simply be run again
   * when its dispatch comes back: true only where running it twice does its work once (a batch job
   * submitted under the dispatch's name, found and reused). Otherwise (the default) the repeat is
   * answered with a retryable failure, since its side effects may have happened.
   */
  default boolean rerunsSafely(TaskContext context) {
    return false;
  }
}
