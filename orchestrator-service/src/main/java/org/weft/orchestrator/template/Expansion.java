package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.weft.orchestrator.template.MasterDagDocument.TaskSpec;

/**
 * How a task with {@code forEach} or {@code matrix} is repeated: one member per element of a list,
 * or per combination of several lists. A list is written in the template, is a list input, is a
 * count ({@code {count: N}}: the numbers 0 to N-1), or is an upstream task's output ({@link #isDynamic}).
 */
public final class Expansion {

  static final Pattern DIMENSION = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,63}");

  private Expansion() {}

  /** Whether {@code task} is repeated. */
  public static boolean isExpanded(TaskSpec task) {
    return task.forEach() != null || task.matrix() != null;
  }

  /**
   * Whether members of {@code a} and {@code b} pair up one to one: both repeat over the same lists,
   * so the member {@code i} of the one belongs with the member {@code i} of the other.
   */
  public static boolean paired(TaskSpec a, TaskSpec b) {
    return isExpanded(a) && isExpanded(b) && Objects.equals(a.forEach(), b.forEach())
        && Objects.equals(a.matrix(), b.matrix());
  }

  /**
   * The list a {@code forEach} or matrix dimension names: the literal list, or the input it refers
   * to; empty when it is neither (the validator has said why).
   */
  static Optional<List<?>> list(Object source, Map<String, Object> inputs) {
    if (source instanceof List<?> literal) {
      return Optional.of(literal);
    }
    if (isCount(source)) {
      // called once the size is known to be acceptable
      return Optional.of(java.util.stream.LongStream.range(0, count(source, inputs)).boxed().toList());
    }
    return inputName(source).map(inputs::get).filter(List.class::isInstance).map(value -> (List<?>) value);
  }

  /**
   * Whether {@code task} repeats over an upstream task's output ({@code forEach:
   * ${tasks.KEY.outputs.NAME}}): its members are known only once that task has succeeded, and are
   * created then, in the same transaction.
   */
  public static boolean isDynamic(TaskSpec task) {
    return producer(task.forEach()).isPresent();
  }

  /** The upstream output a {@code forEach} refers to, if it is exactly one {@code ${tasks.KEY.outputs.NAME}}. */
  public static Optional<Placeholders.TaskOutputReference> producer(Object source) {
    if (source instanceof String text) {
      var references = Placeholders.find(text);
      if (references.size() == 1 && references.get(0) instanceof Placeholders.TaskOutputReference out
          && text.equals("${" + out.expression() + "}")) {
        return Optional.of(out);
      }
    }
    return Optional.empty();
  }

  static final String COUNT = "count";

  /** The N of a {@code {count: N}}, written or an input's value; 0 when it is neither. */
  static long count(Object source, Map<String, Object> inputs) {
    var count = ((Map<?, ?>) source).get(COUNT);
    var n = count instanceof Number number ? number : inputName(count).map(inputs::get).orElse(null);
    return n instanceof Number number ? Math.max(0, number.longValue()) : 0;
  }

  /** Whether a {@code forEach} repeats a number of times: {@code {count: N}}. */
  static boolean isCount(Object source) {
    return source instanceof Map<?, ?> map && map.size() == 1 && map.containsKey(COUNT);
  }

  /** The input a {@code forEach} or matrix dimension refers to, if it is exactly one {@code ${inputs.NAME}}. */
  static Optional<String> inputName(Object source) {
    if (source instanceof String text) {
      var references = Placeholders.find(text);
      if (references.size() == 1 && references.get(0) instanceof Placeholders.InputReference in
          && text.equals("${" + in.expression() + "}")) {
        return Optional.of(in.name());
      }
    }
    return Optional.empty();
  }

  /** The inputs the expansion of {@code task} depends on. */
  static List<String> inputsOf(TaskSpec task) {
    var names = new ArrayList<String>();
    inputName(task.forEach()).ifPresent(names::add);
    if (task.matrix() != null) {
      task.matrix().values().forEach(source -> inputName(source).ifPresent(names::add));
    }
    return names;
  }

  /**
   * How many nodes {@code task} has with {@code inputs}, saturating at {@link Long#MAX_VALUE}: one
   * per member, 1 when it is not repeated, and 1 for a dynamic one until its members are known.
   */
  static long size(TaskSpec task, Map<String, Object> inputs) {
    if (isDynamic(task)) {
      return 1;
    }
    if (isCount(task.forEach())) {
      return count(task.forEach(), inputs);
    }
    if (task.forEach() != null) {
      return list(task.forEach(), inputs).map(List::size).orElse(0);
    }
    if (task.matrix() != null) {
      long size = 1;
      for (var source : task.matrix().values()) {
        long dimension = list(source, inputs).map(List::size).orElse(0);
        size = dimension != 0 && size > Long.MAX_VALUE / dimension ? Long.MAX_VALUE : size * dimension;
      }
      return size;
    }
    return 1;
  }

  /**
   * The items of the members of {@code task}, in member order: the elements of its {@code forEach}
   * list, or for a matrix a map from dimension name to value per combination, the last dimension
   * varying fastest. Call after {@link #size} is known to be acceptable.
   */
  static List<Object> items(TaskSpec task, Map<String, Object> inputs) {
    if (task.forEach() != null) {
      return new ArrayList<>(list(task.forEach(), inputs).orElse(List.of()));
    }
    var combinations = new ArrayList<Object>();
    combinations.add(new LinkedHashMap<String, Object>());
    for (var dimension : task.matrix().entrySet()) {
      var values = list(dimension.getValue(), inputs).orElse(List.of());
      var next = new ArrayList<Object>(combinations.size() * values.size());
      for (var combination : combinations) {
        for (var value : values) {
          @SuppressWarnings("unchecked")
          var extended = new LinkedHashMap<>((Map<String, Object>) combination);
          extended.put(dimension.getKey(), value);
          next.add(extended);
        }
      }
      combinations = next;
    }
    return combinations;
  }

  /** The key of member {@code index} of the task {@code key}. */
  public static String memberKey(String key, int index) {
    return key + "[" + index + "]";
  }
}
