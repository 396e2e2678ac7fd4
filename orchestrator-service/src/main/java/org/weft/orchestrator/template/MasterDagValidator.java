package org.weft.orchestrator.template;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.weft.orchestrator.template.MasterDagDocument.TaskSpec;

/** Every rule a master DAG template must keep, each broken rule reported with where it is broken. */
public class MasterDagValidator {

  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Pattern MEMORY = Pattern.compile("[0-9]+(\\.[0-9]+)?\\s*(B|KiB|MiB|GiB|TiB|KB|MB|GB|TB)?");
  static final int MAX_ATTEMPTS_LIMIT = 100;
  private static final Pattern PERCENT = Pattern.compile("(100|[1-9]?[0-9])%");

  private final TaskTypeCatalog catalog;
  private final int maxExpansion;

  /** @param maxExpansion the most members a task's literal {@code forEach} or {@code matrix} may give */
  public MasterDagValidator(TaskTypeCatalog catalog, int maxExpansion) {
    this.catalog = catalog;
    this.maxExpansion = maxExpansion;
  }

  public List<Violation> validate(MasterDagDocument document) {
    var violations = new ArrayList<Violation>();
    if (document.type() == null) {
      violations.add(new Violation("type", "is required"));
    } else if (!NAME.matcher(document.type()).matches()) {
      violations.add(new Violation("type", "must match [a-z0-9][a-z0-9-]* and be at most 64 characters"));
    }
    var inputs = checkInputs(document, violations);
    var tasks = checkTasks(document, violations);
    checkExpansions(document, violations);
    var cycle = findCycle(tasks);
    if (!cycle.isEmpty()) {
      violations.add(new Violation("tasks", "dependency cycle: " + String.join(" -> ", cycle)));
    }
    checkReferences(tasks, inputs, cycle.isEmpty(), violations);
    return violations;
  }

  /** Throws when the template breaks any rule. */
  public void check(MasterDagDocument document) {
    var violations = validate(document);
    if (!violations.isEmpty()) {
      throw new TemplateRejectedException(TemplateRejectedException.Kind.INVALID, violations);
    }
  }

  /** Each {@code forEach} and {@code matrix}: lists written out, or list inputs, within {@code maxExpansion}. */
  private void checkExpansions(MasterDagDocument document, List<Violation> violations) {
    var types = new HashMap<String, InputType>();
    document.inputs().stream().filter(input -> input != null && input.name() != null)
        .forEach(input -> types.put(input.name(), input.type()));
    for (int i = 0; i < document.tasks().size(); i++) {
      var task = document.tasks().get(i);
      if (task == null) {
        continue;
      }
      var at = "tasks[" + i + "]";
      if (task.minSucceeded() != null) {
        checkMinSucceeded(task, at + ".minSucceeded", violations);
      }
      // read only for a speculative task: it scans the template's tasks
      boolean followsAJob = task.speculative() != null && document.tasks().stream()
          .anyMatch(other -> other != null && task.dependsOn().contains(other.key())
              && TaskTypeCatalog.JOB_SUBMISSION.equals(other.taskType()));
      Speculative.problems(task.speculative(), task.taskType(), Expansion.isExpanded(task), followsAJob)
          .forEach(problem -> violations.add(new Violation(at + ".speculative", problem)));
      if (task.forEach() != null && task.matrix() != null) {
        violations.add(new Violation(at, "has both forEach and matrix; a task repeats over one of them"));
        continue;
      }
      // one over an upstream task's output is checked with the other references
      if (Expansion.isCount(task.forEach())) {
        checkCount(((Map<?, ?>) task.forEach()).get(Expansion.COUNT), at + ".forEach.count", types, violations);
      } else if (task.forEach() != null && !Expansion.isDynamic(task)) {
        checkList(task.forEach(), at + ".forEach", types, violations);
      }
      if (task.matrix() != null) {
        if (task.matrix().isEmpty()) {
          violations.add(new Violation(at + ".matrix", "needs at least one dimension"));
        }
        task.matrix().forEach((name, source) -> {
          if (!Expansion.DIMENSION.matcher(name).matches()) {
            violations.add(new Violation(at + ".matrix." + name,
                "a dimension's name must match [A-Za-z][A-Za-z0-9_]*, as ${item.NAME} reads it"));
          }
          checkList(source, at + ".matrix." + name, types, violations);
        });
      }
      if (Expansion.isExpanded(task) && Expansion.inputsOf(task).isEmpty()) {
        long size = Expansion.size(task, Map.of());
        if (size > maxExpansion) {
          violations.add(new Violation(at + (task.forEach() != null ? ".forEach" : ".matrix"), "gives %s members; at most %d are allowed (weft.dag.max-expansion)"
              .formatted(size == Long.MAX_VALUE ? "too many" : size, maxExpansion)));
        }
      }
    }
  }

  private static void checkMinSucceeded(TaskSpec task, String field, List<Violation> violations) {
    var min = task.minSucceeded();
    if (!Expansion.isExpanded(task)) {
      violations.add(new Violation(field, "applies to a task with forEach or matrix: how many of its members must succeed"));
    } else if (!((min instanceof Integer || min instanceof Long) && ((Number) min).longValue() >= 0)
        && !(min instanceof String text && PERCENT.matcher(text).matches())) {
      violations.add(new Violation(field, "must be a whole number of members, at least 0, or a percentage such as \"80%\""));
    }
  }

  private static void checkCount(Object count, String field, Map<String, InputType> types, List<Violation> violations) {
    if (count instanceof Number number) {
      if (!(count instanceof Integer || count instanceof Long) || number.longValue() < 0) {
        violations.add(new Violation(field, "must be a whole number, at least 0"));
      }
      return;
    }
    var input = Expansion.inputName(count);
    if (input.isEmpty()) {
      violations.add(new Violation(field, "must be a number or exactly one ${inputs.NAME} of an input of type integer"));
    } else if (types.get(input.get()) != InputType.INTEGER) {
      violations.add(new Violation(field, "${inputs." + input.get() + "} " + (types.containsKey(input.get())
          ? "is of type " + (types.get(input.get()) == null ? "(none)" : types.get(input.get()).json()) + "; a count needs an integer"
          : "refers to an input the template does not declare")));
    }
  }

  private static void checkList(Object source, String field, Map<String, InputType> types, List<Violation> violations) {
    if (source instanceof List<?> literal) {
      if (literal.stream().anyMatch(element -> !(element instanceof String || element instanceof Number
          || element instanceof Boolean))) {
        violations.add(new Violation(field, "the elements of a list must be strings, numbers or booleans"));
      }
      return;
    }
    var input = Expansion.inputName(source);
    if (input.isEmpty() && Expansion.producer(source).isPresent()) {
      violations.add(new Violation(field, "a matrix repeats over lists known when the experiment is submitted; "
          + "repeat over a task's output with forEach"));
    } else if (input.isEmpty()) {
      violations.add(new Violation(field, "must be a list, exactly one ${inputs.NAME} of an input of type list, "
          + "{count: N}, or (forEach) exactly one ${tasks.KEY.outputs.NAME}"));
    } else if (!types.containsKey(input.get())) {
      violations.add(new Violation(field, "${inputs." + input.get() + "} refers to an input the template does not declare"));
    } else if (types.get(input.get()) != InputType.LIST) {
      violations.add(new Violation(field, "${inputs." + input.get() + "} is of type "
          + (types.get(input.get()) == null ? "(none)" : types.get(input.get()).json()) + "; forEach and matrix need a list"));
    }
  }

  private Set<String> checkInputs(MasterDagDocument document, List<Violation> violations) {
    var names = new HashSet<String>();
    for (int i = 0; i < document.inputs().size(); i++) {
      var input = document.inputs().get(i);
      var at = "inputs[" + i + "]";
      if (input == null) {
        violations.add(new Violation(at, "must be an object"));
        continue;
      }
      if (input.name() == null || !NAME.matcher(input.name()).matches()) {
        violations.add(new Violation(at + ".name", "is required and must match [a-z0-9][a-z0-9-]*"));
      } else if (!names.add(input.name())) {
        violations.add(new Violation(at + ".name", "duplicate input '" + input.name() + "'"));
      }
      if (input.type() == null) {
        violations.add(new Violation(at + ".type", "is required: one of string, integer, number, boolean, uri, list"));
      } else if (input.defaultValue() != null && input.type().accept(input.defaultValue()).isEmpty()) {
        violations.add(new Violation(at + ".default", "must be of type " + input.type().json()));
      }
    }
    return names;
  }

  private Map<String, TaskSpec> checkTasks(MasterDagDocument document, List<Violation> violations) {
    var tasks = new LinkedHashMap<String, TaskSpec>();
    if (document.tasks().isEmpty()) {
      violations.add(new Violation("tasks", "a template needs at least one task"));
      return tasks;
    }
    for (int i = 0; i < document.tasks().size(); i++) {
      var task = document.tasks().get(i);
      var at = "tasks[" + i + "]";
      if (task == null) {
        violations.add(new Violation(at, "must be an object"));
        continue;
      }
      if (task.key() == null || !NAME.matcher(task.key()).matches()) {
        violations.add(new Violation(at + ".key", "is required and must match [a-z0-9][a-z0-9-]*, at most 64 characters"));
      } else if (tasks.putIfAbsent(task.key(), task) != null) {
        violations.add(new Violation(at + ".key", "duplicate task key '" + task.key() + "'"));
      }
      var type = catalog.find(task.taskType());
      if (task.taskType() == null) {
        violations.add(new Violation(at + ".taskType", "is required"));
      } else if (type.isEmpty()) {
        violations.add(new Violation(at + ".taskType", "unknown task type '" + task.taskType() + "'; known: " + catalog.names()));
      } else if (task.command() != null && !type.get().acceptsCommand()) {
        violations.add(new Violation(at + ".command", "task type '" + task.taskType() + "' takes no command"));
      }
      checkSettings(task, at, violations);
      if (TaskTypeCatalog.SUB_WORKFLOW.equals(task.taskType())) {
        checkSubWorkflow(task, at + ".params", violations);
      }
    }
    for (int i = 0; i < document.tasks().size(); i++) {
      var task = document.tasks().get(i);
      if (task == null) {
        continue;
      }
      var seen = new HashSet<String>();
      for (var dependency : task.dependsOn()) {
        var at = "tasks[" + i + "].dependsOn";
        if (dependency == null || !tasks.containsKey(dependency)) {
          violations.add(new Violation(at, "depends on unknown task '" + dependency + "'"));
        } else if (dependency.equals(task.key())) {
          violations.add(new Violation(at, "task '" + task.key() + "' depends on itself"));
        } else if (!seen.add(dependency)) {
          violations.add(new Violation(at, "lists '" + dependency + "' twice"));
        }
      }
    }
    return tasks;
  }

  private static void checkSettings(TaskSpec task, String at, List<Violation> violations) {
    if (task.retry() != null) {
      var attempts = task.retry().maxAttempts();
      if (attempts != null && (attempts < 1 || attempts > MAX_ATTEMPTS_LIMIT)) {
        violations.add(new Violation(at + ".retry.maxAttempts", "must be between 1 and " + MAX_ATTEMPTS_LIMIT));
      }
      if (task.retry().backoff() != null && task.retry().backoff().isNegative()) {
        violations.add(new Violation(at + ".retry.backoff", "must not be negative"));
      }
    }
    positive(task.timeLimit(), at + ".timeLimit", violations);
    positive(task.heartbeatTimeout(), at + ".heartbeatTimeout", violations);
    if (task.resources() != null) {
      var resources = task.resources();
      if (resources.cores() != null && resources.cores() < 1) {
        violations.add(new Violation(at + ".resources.cores", "must be at least 1"));
      }
      if (resources.memory() != null && !MEMORY.matcher(resources.memory()).matches()) {
        violations.add(new Violation(at + ".resources.memory", "must be a size such as 512MiB or 4GiB"));
      }
      positive(resources.wallTime(), at + ".resources.wallTime", violations);
    }
    if (task.command() != null) {
      if (task.command().template().isEmpty()) {
        violations.add(new Violation(at + ".command.template", "must name at least the program to run"));
      }
      for (int a = 0; a < task.command().template().size(); a++) {
        if (task.command().template().get(a) == null) {
          violations.add(new Violation(at + ".command.template[" + a + "]", "must not be null"));
        }
      }
    }
  }

  /**
   * A sub-workflow names the master DAG it runs ({@code params.type}, written out, so that it can be
   * checked when the template is registered), optionally its {@code version}, and the child's
   * {@code inputs}; whether the type exists and does not lead back here is checked against the
   * stored templates ({@link #subWorkflowTypes}).
   */
  private static void checkSubWorkflow(TaskSpec task, String at, List<Violation> violations) {
    var params = task.params();
    if (!(params.get("type") instanceof String type) || !NAME.matcher(type).matches()) {
      violations.add(new Violation(at + ".type", "a sub-workflow names the master DAG type it runs, written out"));
    }
    var version = params.get("version");
    if (version != null && !((version instanceof Integer || version instanceof Long) && ((Number) version).longValue() >= 1)) {
      violations.add(new Violation(at + ".version", "must be a version number, at least 1"));
    }
    if (params.get("inputs") != null && !(params.get("inputs") instanceof Map)) {
      violations.add(new Violation(at + ".inputs", "must be an object: the child experiment's inputs"));
    }
    params.keySet().stream().filter(name -> !Set.of("type", "version", "inputs").contains(name))
        .forEach(name -> violations.add(new Violation(at + "." + name, "a sub-workflow takes type, version and inputs")));
  }

  /** The master DAGs (type, and version or null for the newest) the sub-workflows of a template run. */
  public static List<Map.Entry<String, Integer>> subWorkflowTypes(MasterDagDocument document) {
    var types = new ArrayList<Map.Entry<String, Integer>>();
    for (var task : document.tasks()) {
      if (task != null && TaskTypeCatalog.SUB_WORKFLOW.equals(task.taskType())
          && task.params().get("type") instanceof String type) {
        types.add(new java.util.AbstractMap.SimpleEntry<>(type,
            task.params().get("version") instanceof Number n ? n.intValue() : null));
      }
    }
    return types;
  }

  private static void positive(Duration duration, String field, List<Violation> violations) {
    if (duration != null && (duration.isNegative() || duration.isZero())) {
      violations.add(new Violation(field, "must be a positive duration"));
    }
  }

  /** The first cycle found, as the keys along it with the first repeated at the end; empty if none. */
  static List<String> findCycle(Map<String, TaskSpec> tasks) {
    var state = new HashMap<String, Integer>(); // 1 = on the current path, 2 = done
    for (var start : tasks.keySet()) {
      var path = new ArrayDeque<String>();
      var cycle = visit(start, tasks, state, path);
      if (!cycle.isEmpty()) {
        return cycle;
      }
    }
    return List.of();
  }

  private static List<String> visit(String key, Map<String, TaskSpec> tasks, Map<String, Integer> state, Deque<String> path) {
    var mark = state.get(key);
    if (mark != null && mark == 2) {
      return List.of();
    }
    if (mark != null && mark == 1) {
      var cycle = new ArrayList<String>();
      var onPath = new ArrayList<>(path);
      java.util.Collections.reverse(onPath);
      cycle.addAll(onPath.subList(onPath.indexOf(key), onPath.size()));
      cycle.add(key);
      return cycle;
    }
    state.put(key, 1);
    path.push(key);
    for (var dependency : tasks.get(key).dependsOn()) {
      if (tasks.containsKey(dependency) && !dependency.equals(key)) {
        var cycle = visit(dependency, tasks, state, path);
        if (!cycle.isEmpty()) {
          return cycle;
        }
      }
    }
    path.pop();
    state.put(key, 2);
    return List.of();
  }

  private void checkReferences(Map<String, TaskSpec> tasks, Set<String> inputs, boolean acyclic, List<Violation> violations) {
    var index = 0;
    for (var task : tasks.values()) {
      var at = "tasks[" + index++ + "]";
      var upstream = acyclic ? ancestors(task.key(), tasks) : Set.<String>of();
      check(task.params(), at + ".params", task, tasks, inputs, upstream, acyclic, violations);
      if (task.resource() != null) {
        checkResource(task.resource(), at + ".resource", inputs, violations);
      }
      if (Expansion.isDynamic(task)) {
        checkDynamic(task, at + ".forEach", tasks, upstream, acyclic, violations);
      }
      if (task.when() != null) {
        Conditions.check(task.when(), task, inputs, acyclic ? upstream : tasks.keySet(), key -> tasks.containsKey(key)
                ? catalog.find(tasks.get(key).taskType()).map(TaskTypeCatalog.TaskType::checkable).orElse(null) : null)
            .forEach(problem -> violations.add(new Violation(at + ".when", problem)));
      }
      if (task.command() != null) {
        check(task.command().template(), at + ".command.template", task, tasks, inputs, upstream, acyclic, violations);
        check(task.command().env(), at + ".command.env", task, tasks, inputs, upstream, acyclic, violations);
      }
    }
  }

  /**
   * A {@code forEach} over an upstream task's output: the task is upstream, declares the output, and
   * is not itself repeated (its outputs would be lists of lists).
   */
  private void checkDynamic(TaskSpec task, String field, Map<String, TaskSpec> tasks, Set<String> upstream,
      boolean acyclic, List<Violation> violations) {
    var out = Expansion.producer(task.forEach()).orElseThrow();
    checkOutput(out, field, task, tasks, upstream, acyclic, violations);
    var producer = tasks.get(out.taskKey());
    if (producer != null && Expansion.isExpanded(producer)) {
      violations.add(new Violation(field, "${" + out.expression() + "}: task '" + out.taskKey()
          + "' is repeated itself; forEach over the output of a task that gathers its members"));
    }
  }

  /** A compute resource is named literally or by one experiment input, known when the experiment is submitted. */
  private static void checkResource(String resource, String field, Set<String> inputs, List<Violation> violations) {
    var references = Placeholders.find(resource);
    if (references.isEmpty()) {
      if (!NAME.matcher(resource).matches()) {
        violations.add(new Violation(field, "'" + resource + "' is not a resource name (lower-case letters, digits, '-')"));
      }
    } else if (references.size() != 1 || !(references.get(0) instanceof Placeholders.InputReference in)
        || !resource.equals("${" + in.expression() + "}")) {
      violations.add(new Violation(field, "must be a resource name or exactly one ${inputs.NAME}"));
    } else if (!inputs.contains(in.name())) {
      violations.add(new Violation(field, "${" + in.expression() + "} refers to an input the template does not declare"));
    }
  }

  private void check(Object value, String field, TaskSpec task, Map<String, TaskSpec> tasks, Set<String> inputs,
      Set<String> upstream, boolean acyclic, List<Violation> violations) {
    for (var reference : Placeholders.find(value)) {
      if (reference instanceof Placeholders.InputReference in && !inputs.contains(in.name())) {
        violations.add(new Violation(field, "${" + in.expression() + "} refers to an input the template does not declare"));
      } else if (reference instanceof Placeholders.TaskOutputReference out) {
        checkOutput(out, field, task, tasks, upstream, acyclic, violations);
      } else if (reference instanceof Placeholders.ItemReference item) {
        checkItem(item, field, task, violations);
      } else if (reference instanceof Placeholders.IndexReference && !Expansion.isExpanded(task)) {
        violations.add(new Violation(field, "${index} is only defined in a task with forEach or matrix"));
      } else if (reference instanceof Placeholders.UnknownReference unknown) {
        violations.add(new Violation(field,
            "${" + unknown.expression() + "} is not a reference; use ${inputs.NAME}, ${tasks.KEY.outputs.NAME}, "
                + "or in a repeated task ${item}, ${item.NAME} or ${index}"));
      }
    }
  }

  private static void checkItem(Placeholders.ItemReference item, String field, TaskSpec task, List<Violation> violations) {
    var written = "${" + item.expression() + "}";
    if (!Expansion.isExpanded(task)) {
      violations.add(new Violation(field, written + " is only defined in a task with forEach or matrix"));
    } else if (task.forEach() != null && item.field() != null && !Expansion.isDynamic(task)) {
      // the elements of an upstream output may be objects: whether they have the field is checked
      // when the task is expanded
      violations.add(new Violation(field, written + ": the elements of forEach have no fields; use ${item}"));
    } else if (task.matrix() != null && item.field() == null) {
      violations.add(new Violation(field, written + ": a matrix member's item has one field per dimension; use ${item.NAME}, NAME one of "
          + task.matrix().keySet()));
    } else if (task.matrix() != null && !task.matrix().containsKey(item.field())) {
      violations.add(new Violation(field, written + ": the matrix has no dimension '" + item.field() + "'; it has "
          + task.matrix().keySet()));
    }
  }

  private void checkOutput(Placeholders.TaskOutputReference out, String field, TaskSpec task, Map<String, TaskSpec> tasks,
      Set<String> upstream, boolean acyclic, List<Violation> violations) {
    var producer = tasks.get(out.taskKey());
    if (producer == null) {
      violations.add(new Violation(field, "${" + out.expression() + "} refers to unknown task '" + out.taskKey() + "'"));
      return;
    }
    if (acyclic && !upstream.contains(out.taskKey())) {
      violations.add(new Violation(field, "${" + out.expression() + "} refers to task '" + out.taskKey()
          + "', which is not upstream of '" + task.key() + "'; add it to dependsOn"));
    }
    catalog.find(producer.taskType()).ifPresent(type -> {
      if (!type.declares(out.output())) {
        violations.add(new Violation(field, "${" + out.expression() + "}: task type '" + producer.taskType()
            + "' has no output '" + out.output() + "'; it has " + type.outputs().stream().sorted().toList()));
      }
    });
  }

  private static Set<String> ancestors(String key, Map<String, TaskSpec> tasks) {
    var seen = new LinkedHashSet<String>();
    var todo = new ArrayDeque<String>(tasks.get(key).dependsOn());
    while (!todo.isEmpty()) {
      var next = todo.pop();
      if (tasks.containsKey(next) && seen.add(next)) {
        todo.addAll(tasks.get(next).dependsOn());
      }
    }
    return seen;
  }
}
