package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.weft.orchestrator.lifecycle.TaskState;

/**
 * The live DAG of one experiment before it is written: one node per template task, each with its
 * full task context (inputs resolved; upstream outputs are resolved when the node is dispatched).
 */
public record LiveDagPlan(List<PlannedTask> tasks, List<Edge> edges) {

  /** {@code position} is the task's place in the template, so listings keep the author's order. */
  public record PlannedTask(String id, String key, int position, String taskType, TaskState state, int maxAttempts,
      Timing timing, Map<String, Object> context) {}

  /** What the engine's timers need, in milliseconds, so its queries compare numbers. */
  public record Timing(long backoffMs, long timeLimitMs, long heartbeatTimeoutMs) {}

  /** {@code from} must be executed before {@code to}; both are task node ids. */
  public record Edge(String from, String to) {}

  public static String taskId(String experimentId, String key) {
    return experimentId + ":" + key;
  }

  /**
   * @param computeResources the compute resources configured here: a task on any other is refused, so an
   *                  experiment never fails later for a cluster nobody configured
   * @throws InvalidInputsException when a task's resource (literal, or chosen by an input) is unknown
   */
  public static LiveDagPlan of(String experimentId, MasterDagDocument template, int version, Map<String, Object> inputs,
      DagProperties.TaskDefaults defaults, java.util.Set<String> computeResources) {
    var unknown = new ArrayList<Violation>();
    var tasks = new ArrayList<PlannedTask>();
    var edges = new ArrayList<Edge>();
    for (var task : template.tasks()) {
      var retry = task.retry();
      int maxAttempts = retry != null && retry.maxAttempts() != null ? retry.maxAttempts() : defaults.maxAttempts();
      var backoff = retry != null && retry.backoff() != null ? retry.backoff() : defaults.backoff();
      var timeLimit = task.timeLimit() != null ? task.timeLimit() : defaults.timeLimit();
      var heartbeatTimeout = task.heartbeatTimeout() != null ? task.heartbeatTimeout() : defaults.heartbeatTimeout();
      var timing = new Timing(backoff.toMillis(), timeLimit.toMillis(), heartbeatTimeout.toMillis());
      var context = new LinkedHashMap<String, Object>();
      context.put("experimentType", template.type());
      context.put("templateVersion", version);
      context.put("taskKey", task.key());
      context.put("taskType", task.taskType());
      context.put("dependsOn", task.dependsOn());
      context.put("inputs", Placeholders.escape(inputs));
      context.put("params", Placeholders.resolveInputs(task.params(), inputs));
      if (task.command() != null) {
        var command = new LinkedHashMap<String, Object>();
        command.put("template", Placeholders.resolveInputs(task.command().template(), inputs));
        command.put("env", Placeholders.resolveInputs(task.command().env(), inputs));
        context.put("command", command);
      }
      if (task.resources() != null) {
        var resources = new LinkedHashMap<String, Object>();
        if (task.resources().cores() != null) {
          resources.put("cores", task.resources().cores());
        }
        if (task.resources().memory() != null) {
          resources.put("memory", task.resources().memory());
        }
        if (task.resources().wallTime() != null) {
          resources.put("wallTime", task.resources().wallTime().toString());
        }
        context.put("resources", resources);
      }
      if (task.resource() != null) {
        var resource = Placeholders.resolveInputs(task.resource(), inputs);
        if (resource instanceof String name && computeResources.contains(name)) {
          context.put("resource", name);
        } else {
          var field = Placeholders.find(task.resource()).isEmpty() ? "tasks." + task.key() + ".resource"
              : "inputs." + ((Placeholders.InputReference) Placeholders.find(task.resource()).get(0)).name();
          unknown.add(new Violation(field, "no compute resource '%s' is configured; configured: %s".formatted(resource,
              String.join(", ", new java.util.TreeSet<>(computeResources)))));
        }
      }
      context.put("timeLimit", timeLimit.toString());
      context.put("heartbeatTimeout", heartbeatTimeout.toString());
      context.put("retry", Map.of("maxAttempts", maxAttempts, "backoff", backoff.toString()));
      var state = task.dependsOn().isEmpty() ? TaskState.READY : TaskState.WAITING;
      tasks.add(new PlannedTask(taskId(experimentId, task.key()), task.key(), tasks.size(), task.taskType(), state, maxAttempts,
          timing, context));
      for (var dependency : task.dependsOn()) {
        edges.add(new Edge(taskId(experimentId, dependency), taskId(experimentId, task.key())));
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidInputsException(unknown.stream().distinct().toList());
    }
    return new LiveDagPlan(List.copyOf(tasks), List.copyOf(edges));
  }
}
