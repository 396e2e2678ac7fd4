package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The {@code ${…}} references in template values: {@code ${inputs.NAME}} for an experiment input,
 * {@code ${tasks.KEY.outputs.NAME}} for an upstream task's output, and in a task repeated by
 * {@code forEach} or {@code matrix}, {@code ${item}} (or {@code ${item.NAME}} for a matrix) and
 * {@code ${index}} for its member. {@code $${} stands for a literal {@code ${}. Inputs and members
 * are resolved when the experiment is submitted; task outputs when the task is dispatched, since
 * only then do they exist.
 */
public final class Placeholders {

  private static final Pattern REFERENCE = Pattern.compile("(\\$?)\\$\\{([^}]*)}");
  private static final Pattern INPUT = Pattern.compile("inputs\\.([a-z0-9][a-z0-9-]*)");
  // a member's key is its template task's key and its index: run[17]
  private static final Pattern TASK_OUTPUT =
      Pattern.compile("tasks\\.([a-z0-9][a-z0-9-]*(?:\\[[0-9]+])?)\\.outputs\\.([A-Za-z][A-Za-z0-9_-]*)");
  private static final Pattern ITEM = Pattern.compile("item(?:\\.([A-Za-z][A-Za-z0-9_]*))?");

  /** A reference found in a value. */
  public sealed interface Reference {
    String expression();
  }

  public record InputReference(String expression, String name) implements Reference {}

  public record TaskOutputReference(String expression, String taskKey, String output) implements Reference {}

  /** The element of a {@code forEach} member; {@code field} names a {@code matrix} dimension, else null. */
  public record ItemReference(String expression, String field) implements Reference {}

  /** The position of a {@code forEach} or {@code matrix} member, from 0. */
  public record IndexReference(String expression) implements Reference {}

  public record UnknownReference(String expression) implements Reference {}

  private Placeholders() {}

  /** Every reference in {@code value} and, recursively, in the lists and maps it holds. */
  public static List<Reference> find(Object value) {
    var found = new ArrayList<Reference>();
    collect(value, found);
    return found;
  }

  private static void collect(Object value, List<Reference> found) {
    if (value instanceof String text) {
      Matcher m = REFERENCE.matcher(text);
      while (m.find()) {
        if (m.group(1).isEmpty()) {
          found.add(parse(m.group(2)));
        }
      }
    } else if (value instanceof Map<?, ?> map) {
      map.values().forEach(v -> collect(v, found));
    } else if (value instanceof List<?> list) {
      list.forEach(v -> collect(v, found));
    }
  }

  private static Reference parse(String expression) {
    var input = INPUT.matcher(expression);
    if (input.matches()) {
      return new InputReference(expression, input.group(1));
    }
    var output = TASK_OUTPUT.matcher(expression);
    if (output.matches()) {
      return new TaskOutputReference(expression, output.group(1), output.group(2));
    }
    var item = ITEM.matcher(expression);
    if (item.matches()) {
      return new ItemReference(expression, item.group(1));
    }
    if (expression.equals("index")) {
      return new IndexReference(expression);
    }
    return new UnknownReference(expression);
  }

  /**
   * Replaces every {@code ${inputs.NAME}} in {@code value}. A string that is exactly one reference
   * takes the input's own type (an integer stays an integer); inside a longer string it is text.
   * Task output references and escapes are kept for dispatch time.
   */
  public static Object resolveInputs(Object value, Map<String, Object> inputs) {
    return resolve(value, reference -> reference instanceof InputReference in && inputs.containsKey(in.name())
        ? new Resolution(true, escape(inputs.get(in.name()))) : Resolution.KEEP, false);
  }

  /**
   * Replaces the member references {@code ${item}}, {@code ${item.NAME}} and {@code ${index}}, and
   * renames the task output references of {@code renamed} (task key to member key), so that a member
   * of a paired {@code forEach} reads the outputs of its own partner. The item is data: escaped as
   * inputs are.
   */
  public static Object resolveMember(Object value, int index, Object item, Map<String, String> renamed) {
    return resolve(value, reference -> {
      if (reference instanceof IndexReference) {
        return new Resolution(true, (long) index);
      }
      if (reference instanceof ItemReference it) {
        var element = it.field() == null ? item : item instanceof Map<?, ?> fields ? fields.get(it.field()) : null;
        return new Resolution(true, escape(element));
      }
      if (reference instanceof TaskOutputReference out && renamed.containsKey(out.taskKey())) {
        return new Resolution(true, "${tasks." + renamed.get(out.taskKey()) + ".outputs." + out.output() + "}");
      }
      return Resolution.KEEP;
    }, false);
  }

  /**
   * Data put into a template value before dispatch: every {@code ${} in its text becomes
   * {@code $${}, so that resolving task outputs at dispatch reads it as the literal text it is
   * (and turns it back), never as a reference.
   */
  public static Object escape(Object value) {
    if (value instanceof String text) {
      return text.replace("${", "$${");
    }
    if (value instanceof Map<?, ?> map) {
      var copy = new LinkedHashMap<String, Object>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), escape(v)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(Placeholders::escape).toList();
    }
    return value;
  }

  /** Replaces task output references with {@code outputs.get(key).get(name)} and unescapes {@code $${}. */
  public static Object resolveTaskOutputs(Object value, Map<String, Map<String, Object>> outputs) {
    return resolve(value, reference -> {
      if (reference instanceof TaskOutputReference out && outputs.containsKey(out.taskKey())
          && outputs.get(out.taskKey()).containsKey(out.output())) {
        return new Resolution(true, outputs.get(out.taskKey()).get(out.output()));
      }
      return Resolution.KEEP;
    }, true);
  }

  private record Resolution(boolean resolved, Object value) {
    static final Resolution KEEP = new Resolution(false, null);
  }

  private static Object resolve(Object value, java.util.function.Function<Reference, Resolution> resolver, boolean unescape) {
    if (value instanceof String text) {
      Matcher whole = REFERENCE.matcher(text);
      if (whole.matches() && whole.group(1).isEmpty()) {
        var resolution = resolver.apply(parse(whole.group(2)));
        return resolution.resolved() ? resolution.value() : text;
      }
      Matcher m = REFERENCE.matcher(text);
      var out = new StringBuilder();
      while (m.find()) {
        String replacement;
        if (!m.group(1).isEmpty()) {
          replacement = unescape ? "${" + m.group(2) + "}" : m.group();
        } else {
          var resolution = resolver.apply(parse(m.group(2)));
          replacement = resolution.resolved() ? String.valueOf(resolution.value()) : m.group();
        }
        m.appendReplacement(out, Matcher.quoteReplacement(replacement));
      }
      m.appendTail(out);
      return out.toString();
    }
    if (value instanceof Map<?, ?> map) {
      var copy = new LinkedHashMap<String, Object>();
      map.forEach((k, v) -> copy.put(String.valueOf(k), resolve(v, resolver, unescape)));
      return copy;
    }
    if (value instanceof List<?> list) {
      return list.stream().map(v -> resolve(v, resolver, unescape)).toList();
    }
    return value;
  }
}
