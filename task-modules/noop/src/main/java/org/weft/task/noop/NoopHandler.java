package org.weft.task.noop;

import java.util.Map;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskHandler;

/**
 * Succeeds at once with no outputs. What a node of this type costs is what Weft itself costs per
 * task (the dispatch, the worker runtime, the result), which is what the benchmarks of the real path
 * measure; it also serves templates that need a join or a placeholder step.
 */
public class NoopHandler implements TaskHandler {

  @Override
  public String taskType() {
    return "noop";
  }

  @Override
  public Map<String, Object> run(TaskContext context) {
    return Map.of();
  }
}
