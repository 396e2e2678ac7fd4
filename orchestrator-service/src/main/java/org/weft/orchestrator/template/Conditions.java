package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.expression.EvaluationException;
import org.springframework.expression.ParseException;
import org.springframework.expression.spel.SpelNode;
import org.springframework.expression.spel.SpelParserConfiguration;
import org.springframework.expression.spel.ast.Assign;
import org.springframework.expression.spel.ast.BeanReference;
import org.springframework.expression.spel.ast.CompoundExpression;
import org.springframework.expression.spel.ast.ConstructorReference;
import org.springframework.expression.spel.ast.FunctionReference;
import org.springframework.expression.spel.ast.Indexer;
import org.springframework.expression.spel.ast.Literal;
import org.springframework.expression.spel.ast.MethodReference;
import org.springframework.expression.spel.ast.Projection;
import org.springframework.expression.spel.ast.PropertyOrFieldReference;
import org.springframework.expression.spel.ast.Selection;
import org.springframework.expression.spel.ast.TypeReference;
import org.springframework.expression.spel.ast.VariableReference;
import org.springframework.expression.spel.standard.SpelExpression;
import org.springframework.expression.spel.standard.SpelExpressionParser;
import org.springframework.expression.spel.support.MapAccessor;
import org.springframework.expression.spel.support.SimpleEvaluationContext;

/**
 * A task's {@code when}: a condition over the experiment's inputs and its upstream tasks' outputs,
 * written in the Spring Expression Language and evaluated in a {@link SimpleEvaluationContext} that
 * reads data and nothing else: no types, constructors, beans, methods or assignments, a bounded
 * length and Spring's bound on the operations one evaluation may take. SpEL, rather than an
 * expression language of Weft's own, because it is maintained, already on the classpath, and its
 * restricted context is made for untrusted expressions.
 *
 * <p>What a condition reads: {@code inputs.NAME} (or {@code inputs['input-file']} where the name
 * has a '-'), {@code tasks.KEY.outputs.NAME} (or {@code tasks['stage-in'].outputs.path}), and in a
 * repeated task {@code item}, {@code item.NAME} and {@code index}. A repeated upstream task's
 * output is the list of its members' values, as in a fan-in.
 */
public final class Conditions {

  /** The longest condition accepted. */
  public static final int MAX_LENGTH = 1_000;

  private static final SpelExpressionParser PARSER =
      new SpelExpressionParser(new SpelParserConfiguration(null, null, false, false, 0, MAX_LENGTH));
  private static final Set<String> ROOTS = Set.of("inputs", "tasks", "item", "index");

  private Conditions() {}

  /** A condition that cannot be parsed or evaluated; the message says where and why. */
  public static final class ConditionException extends RuntimeException {
    ConditionException(String message) {
      super(message);
    }
  }

  /**
   * A name a condition reads: its path from one of the roots ({@code [tasks, KEY, outputs, NAME]}),
   * and where in the text it starts.
   */
  public record Name(List<String> path, int position) {

    public String root() {
      return path.get(0);
    }
  }

  /** A condition read and checked for what it may contain, ready to be evaluated. */
  public record Parsed(String text, SpelExpression expression, List<Name> names, List<String> problems) {

    /** The keys of the tasks whose outputs the condition reads. */
    public Set<String> tasksRead() {
      var keys = new java.util.LinkedHashSet<String>();
      for (var name : names) {
        if (name.root().equals("tasks") && name.path().size() > 1) {
          keys.add(name.path().get(1));
        }
      }
      return keys;
    }
  }

  /**
   * Reads a condition.
   *
   * @throws ConditionException when it does not parse, naming the position
   */
  public static Parsed parse(String text) {
    SpelExpression expression;
    try {
      expression = (SpelExpression) PARSER.parseExpression(text);
    } catch (ParseException e) {
      var message = withoutCode(e.getSimpleMessage() == null ? e.getMessage() : e.getSimpleMessage());
      throw new ConditionException(e.getPosition() >= 0
          ? "does not parse at position %d: %s".formatted(e.getPosition(), message)
          : "does not parse: " + message);
    }
    var names = new ArrayList<Name>();
    var problems = new ArrayList<String>();
    visit(expression.getAST(), false, names, problems);
    return new Parsed(text, expression, List.copyOf(names), List.copyOf(problems));
  }

  /** SpEL's messages start with a code (EL1042E: …) that means nothing to a template's author. */
  private static String withoutCode(String message) {
    return message == null ? "" : message.replaceFirst("^EL[0-9]+E: ", "");
  }

  private static void visit(SpelNode node, boolean element, List<Name> names, List<String> problems) {
    if (node instanceof MethodReference || node instanceof FunctionReference) {
      problems.add("calls a method or function (" + node.toStringAST() + "); a condition only reads values");
      return;
    }
    if (node instanceof TypeReference || node instanceof ConstructorReference || node instanceof BeanReference) {
      problems.add("refers to a type, constructor or bean (" + node.toStringAST() + "); a condition only reads values");
      return;
    }
    if (node instanceof Assign) {
      problems.add("assigns a value (" + node.toStringAST() + "); a condition only reads values");
      return;
    }
    if (node instanceof VariableReference && !Set.of("#this", "#root").contains(node.toStringAST())) {
      problems.add("uses the variable " + node.toStringAST() + "; a condition reads inputs, tasks, item and index");
      return;
    }
    if (node instanceof Selection || node instanceof Projection) {
      // inside, names are the fields of each element, not the condition's roots
      for (int i = 0; i < node.getChildCount(); i++) {
        visit(node.getChild(i), true, names, problems);
      }
      return;
    }
    if (node instanceof PropertyOrFieldReference property) {
      if (!element) {
        names.add(new Name(List.of(property.getName()), node.getStartPosition()));
      }
      return;
    }
    if (node instanceof CompoundExpression && !element && node.getChild(0) instanceof PropertyOrFieldReference first) {
      var path = new ArrayList<String>();
      path.add(first.getName());
      int i = 1;
      for (; i < node.getChildCount(); i++) {
        var child = node.getChild(i);
        if (child instanceof PropertyOrFieldReference property) {
          path.add(property.getName());
        } else if (child instanceof Indexer indexer && indexer.getChildCount() == 1
            && indexer.getChild(0) instanceof Literal literal) {
          path.add(String.valueOf(literal.getLiteralValue().getValue()));
        } else {
          break;
        }
      }
      names.add(new Name(List.copyOf(path), node.getStartPosition()));
      for (; i < node.getChildCount(); i++) {
        visit(node.getChild(i), false, names, problems);
      }
      return;
    }
    for (int i = 0; i < node.getChildCount(); i++) {
      visit(node.getChild(i), element, names, problems);
    }
  }

  /**
   * The problems of a condition on {@code task}, checked against the template.
   *
   * @param upstream the keys of the tasks upstream of {@code task}
   * @param outputs  the outputs of a task, by its key, as its task type declares them (null if unknown)
   */
  static List<String> check(String text, MasterDagDocument.TaskSpec task, Set<String> inputs, Set<String> upstream,
      java.util.function.Function<String, Set<String>> outputs) {
    if (text.isBlank()) {
      return List.of("is empty; leave when out to always run the task");
    }
    if (text.length() > MAX_LENGTH) {
      return List.of("is %d characters long; at most %d are allowed".formatted(text.length(), MAX_LENGTH));
    }
    Parsed parsed;
    try {
      parsed = parse(text);
    } catch (ConditionException e) {
      return List.of(e.getMessage());
    }
    var problems = new ArrayList<>(parsed.problems());
    for (var name : parsed.names()) {
      var path = name.path();
      var at = " (position " + name.position() + ")";
      switch (name.root()) {
        case "inputs" -> {
          if (path.size() < 2) {
            problems.add("reads inputs as a whole" + at + "; name one: inputs.NAME");
          } else if (!inputs.contains(path.get(1))) {
            problems.add("reads inputs." + path.get(1) + at + ", an input the template does not declare");
          }
        }
        case "tasks" -> {
          if (path.size() < 4 || !path.get(2).equals("outputs")) {
            problems.add("reads " + String.join(".", path) + at + "; name an output: tasks.KEY.outputs.NAME");
          } else if (!upstream.contains(path.get(1))) {
            problems.add("reads tasks." + path.get(1) + at + ", which is not upstream of '" + task.key()
                + "'; add it to dependsOn");
          } else {
            var declared = outputs.apply(path.get(1));
            if (declared != null && !declared.contains(path.get(3))) {
              problems.add("reads tasks." + path.get(1) + ".outputs." + path.get(3) + at
                  + ": its task type has no output '" + path.get(3) + "'; it has " + declared.stream().sorted().toList());
            }
          }
        }
        case "item", "index" -> {
          if (!Expansion.isExpanded(task)) {
            problems.add("reads " + name.root() + at + ", which is only defined in a task with forEach or matrix");
          } else if (name.root().equals("item") && task.matrix() != null
              && (path.size() < 2 || !task.matrix().containsKey(path.get(1)))) {
            problems.add("reads " + String.join(".", path) + at + "; a matrix member's item has the fields "
                + task.matrix().keySet());
          }
        }
        default -> problems.add("reads '" + name.root() + "'" + at + "; a condition reads " + ROOTS.stream().sorted().toList());
      }
    }
    return problems;
  }

  /**
   * Evaluates a condition.
   *
   * @param data {@code inputs}, {@code tasks} (key to {@code {outputs: …}}), and for a member
   *             {@code item} and {@code index}
   * @throws ConditionException when it cannot be evaluated, or gives anything but true or false
   */
  public static boolean evaluate(String text, Map<String, Object> data) {
    return evaluate(parse(text), data);
  }

  /** Evaluates a condition already read, as {@link #evaluate(String, Map)} does. */
  public static boolean evaluate(Parsed parsed, Map<String, Object> data) {
    if (!parsed.problems().isEmpty()) {
      throw new ConditionException(parsed.problems().get(0));
    }
    var context = SimpleEvaluationContext.forPropertyAccessors(new MapAccessor(false)).withRootObject(data).build();
    Object value;
    try {
      value = parsed.expression().getValue(context);
    } catch (EvaluationException e) {
      var message = withoutCode(e.getSimpleMessage() == null ? e.getMessage() : e.getSimpleMessage());
      throw new ConditionException("cannot be evaluated: " + message);
    }
    if (value instanceof Boolean answer) {
      return answer;
    }
    throw new ConditionException("gave " + (value == null ? "null" : "'" + value + "'") + ", not true or false");
  }
}
