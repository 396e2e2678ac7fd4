package org.weft.task.noop;

import java.util.LinkedHashMap;
import java.util.Map;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;

/**
 * Succeeds at once, with its {@code params.outputs} (an object) as its outputs, or none. What a
 * node of this type costs is what Weft itself costs per task (the dispatch, the worker runtime, the
 * result), which is what the benchmarks of the real path measure; it also serves templates that
 * need a join, or a step that hands data on, such as the list a {@code forEach} repeats over.
 */
public class NoopHandler implements TaskHandler {

  @Override
  public String taskType() {
    return "noop";
  }

  @Override
  public Map<String, Object> run(TaskContext context) {
    var outputs = context.params().get("outputs");
    if (outputs == null) {
      return Map.of();
    }
    if (!(outputs instanceof Map<?, ?> map)) {
      throw TaskFailure.permanent("params.outputs must be an object, one entry per output");
    }
    var copy = new LinkedHashMap<String, Object>();
    map.forEach((name, value) -> copy.put(String.valueOf(name), value));
    return copy;
  }
}
