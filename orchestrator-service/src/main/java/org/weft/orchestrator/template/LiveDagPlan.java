package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.MasterDagDocument.TaskSpec;

/**
 * The live DAG of one experiment before it is written: one node per template task, or per member
 * of a task repeated by {@code forEach} or {@code matrix}, each with its full task context (inputs
 * and members resolved; upstream outputs are resolved when the node is dispatched). A task repeated
 * over an upstream task's output is one node, with its {@code forEach} in its context, until that
 * output exists.
 */
public record LiveDagPlan(List<PlannedTask> tasks, List<Edge> edges) {

  /**
   * {@code position} is the node's place in the template, so listings keep the author's order;
   * {@code templateKey} and {@code member} say which template task a member comes from and which it
   * is ({@code member} is -1 for a task that is not repeated).
   */
  public record PlannedTask(String id, String key, int position, String taskType, TaskState state, int maxAttempts,
      Timing timing, Map<String, Object> context, String templateKey, int member) {}

  /** What the engine's timers need, in milliseconds, so its queries compare numbers. */
  public record Timing(long backoffMs, long timeLimitMs, long heartbeatTimeoutMs) {}

  /** {@code from} must be executed before {@code to}; both are task node ids. */
  public record Edge(String from, String to) {}

  /** Dependencies allowed per node an experiment may have: all-to-all links between repeated tasks grow fast. */
  public static final int EDGES_PER_NODE = 10;

  public static String taskId(String experimentId, String key) {
    return experimentId + ":" + key;
  }

  /**
   * @param computeResources the compute resources configured here: a task on any other is refused, so an
   *                  experiment never fails later for a cluster nobody configured
   * @param maxExpansion the most task nodes one experiment may have once its repeated tasks are expanded
   * @throws InvalidInputsException when a task's resource (literal, or chosen by an input) is unknown,
   *                  or the inputs expand the experiment past {@code maxExpansion} nodes
   */
  public static LiveDagPlan of(String experimentId, MasterDagDocument template, int version, Map<String, Object> inputs,
      DagProperties.TaskDefaults defaults, Set<String> computeResources, int maxExpansion) {
    var specs = new LinkedHashMap<String, TaskSpec>();
    template.tasks().forEach(task -> specs.put(task.key(), task));
    checkSize(template, specs, inputs, maxExpansion);
    var unknown = new ArrayList<Violation>();
    var tasks = new ArrayList<PlannedTask>();
    var edges = new ArrayList<Edge>();
    // every node's key first: a task may depend on one written after it
    var keysOf = new HashMap<String, List<String>>();
    for (var task : template.tasks()) {
      var keys = new ArrayList<String>();
      if (Expansion.isExpanded(task) && !Expansion.isDynamic(task)) {
        for (int i = 0; i < Expansion.size(task, inputs); i++) {
          keys.add(Expansion.memberKey(task.key(), i));
        }
      } else {
        keys.add(task.key());
      }
      keysOf.put(task.key(), keys);
    }
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
      // a member carries its own element as its item, not the whole list it comes from (a sweep's
      // thousands of members would each carry thousands of values)
      var seen = new LinkedHashMap<String, Object>(inputs);
      Expansion.inputsOf(task).forEach(seen::remove);
      context.put("inputs", Placeholders.escape(seen));
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
              String.join(", ", new TreeSet<>(computeResources)))));
        }
      }
      if (task.when() != null) {
        context.put("when", task.when());
      }
      if (task.minSucceeded() != null) {
        context.put("minSucceeded", task.minSucceeded());
      }
      Speculative.of(task.speculative()).ifPresent(speculative -> {
        var written = new LinkedHashMap<String, Object>();
        if (speculative.multiplier() != null) {
          written.put("multiplier", speculative.multiplier());
        }
        if (speculative.minimum() != null) {
          written.put("minimum", speculative.minimum().toString());
        }
        context.put("speculative", written);
      });
      if (Expansion.isDynamic(task)) {
        // stands for its members until its producer has run; they are made from this context then
        context.put("forEach", task.forEach());
      }
      context.put("timeLimit", timeLimit.toString());
      context.put("heartbeatTimeout", heartbeatTimeout.toString());
      context.put("retry", Map.of("maxAttempts", maxAttempts, "backoff", backoff.toString()));
      if (template.dataPolicy().verifyOrDefault() != MasterDagDocument.Verify.SIZE) {
        // the files expected are added to this section at dispatch
        context.put("data", Map.of("verify", template.dataPolicy().verifyOrDefault().value()));
      }
      // fan-in: an upstream repeated task, not paired with this one, gives its outputs as lists in member order
      var fanIn = new TreeMap<String, Integer>();
      var renamed = new HashMap<String, String>();
      for (var reference : Placeholders.find(context)) {
        if (reference instanceof Placeholders.TaskOutputReference out && specs.containsKey(out.taskKey())
            && Expansion.isExpanded(specs.get(out.taskKey()))) {
          if (Expansion.paired(task, specs.get(out.taskKey()))) {
            renamed.put(out.taskKey(), null);
          } else {
            // a dynamic task has no members yet: its expansion sets their number here
            fanIn.put(out.taskKey(), Expansion.isDynamic(specs.get(out.taskKey())) ? 0 : keysOf.get(out.taskKey()).size());
          }
        }
      }
      if (!fanIn.isEmpty()) {
        context.put("members", fanIn);
      }
      // every node waits at first; those with nothing to wait for are made ready below
      var state = TaskState.WAITING;
      var keys = keysOf.get(task.key());
      if (!Expansion.isExpanded(task) || Expansion.isDynamic(task)) {
        tasks.add(new PlannedTask(taskId(experimentId, task.key()), task.key(), tasks.size(), task.taskType(), state,
            maxAttempts, timing, context, task.key(), -1));
      } else {
        var items = Expansion.items(task, inputs);
        for (int i = 0; i < items.size(); i++) {
          var key = Expansion.memberKey(task.key(), i);
          int index = i;
          renamed.replaceAll((upstream, member) -> Expansion.memberKey(upstream, index));
          @SuppressWarnings("unchecked")
          var member = (Map<String, Object>) Placeholders.resolveMember(context, i, items.get(i), renamed);
          var memberContext = new LinkedHashMap<String, Object>(member);
          memberContext.put("taskKey", key);
          memberContext.put("templateKey", task.key());
          memberContext.put("index", i);
          memberContext.put("item", Placeholders.escape(items.get(i)));
          tasks.add(new PlannedTask(taskId(experimentId, key), key, tasks.size(), task.taskType(), state, maxAttempts,
              timing, memberContext, task.key(), i));
        }
      }
      for (var dependency : task.dependsOn()) {
        var from = keysOf.get(dependency);
        if (Expansion.paired(task, specs.get(dependency))) {
          for (int i = 0; i < keys.size(); i++) {
            edges.add(new Edge(taskId(experimentId, from.get(i)), taskId(experimentId, keys.get(i))));
          }
        } else {
          for (var a : from) {
            for (var b : keys) {
              edges.add(new Edge(taskId(experimentId, a), taskId(experimentId, b)));
            }
          }
        }
      }
    }
    if (!unknown.isEmpty()) {
      throw new InvalidInputsException(unknown.stream().distinct().toList());
    }
    // ready: a node with no edge into it (a root, or one whose dependencies all expanded to no
    // member), no condition and no expansion; the engine evaluates those first
    var waitedFor = new java.util.HashSet<String>();
    edges.forEach(edge -> waitedFor.add(edge.to()));
    tasks.replaceAll(task -> !waitedFor.contains(task.id()) && task.context().get("when") == null
        && task.context().get("forEach") == null
        ? new PlannedTask(task.id(), task.key(), task.position(), task.taskType(), TaskState.READY, task.maxAttempts(),
            task.timing(), task.context(), task.templateKey(), task.member())
        : task);
    return new LiveDagPlan(List.copyOf(tasks), List.copyOf(edges));
  }

  /**
   * Refuses inputs that would expand the experiment past {@code maxExpansion} nodes, or past
   * {@link #EDGES_PER_NODE} times as many dependencies, before anything is built.
   */
  private static void checkSize(MasterDagDocument template, Map<String, TaskSpec> specs, Map<String, Object> inputs,
      int maxExpansion) {
    var sizes = new HashMap<String, Long>();
    long nodes = 0;
    long edges = 0;
    for (var task : template.tasks()) {
      long size = Expansion.size(task, inputs);
      sizes.put(task.key(), size);
      nodes = saturatedAdd(nodes, size);
      for (var dependency : task.dependsOn()) {
        long from = sizes.getOrDefault(dependency, 1L);
        edges = saturatedAdd(edges, Expansion.paired(task, specs.get(dependency)) ? size
            : from != 0 && size > Long.MAX_VALUE / from ? Long.MAX_VALUE : from * size);
      }
    }
    if (nodes <= maxExpansion && edges <= (long) maxExpansion * EDGES_PER_NODE) {
      return;
    }
    var drivers = new java.util.LinkedHashSet<String>();
    template.tasks().forEach(task -> Expansion.inputsOf(task).forEach(name -> drivers.add("inputs." + name)));
    template.tasks().stream().filter(task -> Expansion.isCount(task.forEach()))
        .forEach(task -> Expansion.inputName(((Map<?, ?>) task.forEach()).get(Expansion.COUNT))
            .ifPresent(name -> drivers.add("inputs." + name)));
    var field = drivers.isEmpty() ? "tasks" : String.join(", ", drivers);
    var message = nodes > maxExpansion
        ? "the experiment would have %s task nodes; at most %d are allowed (weft.dag.max-expansion)".formatted(
            nodes == Long.MAX_VALUE ? "too many" : nodes, maxExpansion)
        : "the experiment would have %s dependencies between its task nodes; at most %d are allowed (%d per node of weft.dag.max-expansion)"
            .formatted(edges == Long.MAX_VALUE ? "too many" : edges, (long) maxExpansion * EDGES_PER_NODE, EDGES_PER_NODE);
    throw new InvalidInputsException(List.of(new Violation(field, message)));
  }

  private static long saturatedAdd(long a, long b) {
    return a > Long.MAX_VALUE - b ? Long.MAX_VALUE : a + b;
  }
}
