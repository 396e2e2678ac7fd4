package org.weft.orchestrator.template;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A master DAG template that was refused: {@link Kind#MALFORMED} when it is not even YAML or JSON,
 * {@link Kind#INVALID} when it parses but breaks a rule. Nothing is stored in either case.
 */
public class TemplateRejectedException extends RuntimeException {

  public enum Kind {
    MALFORMED,
    INVALID
  }

  private final Kind kind;
  private final List<Violation> violations;

  public TemplateRejectedException(Kind kind, List<Violation> violations) {
    super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
    this.kind = kind;
    this.violations = List.copyOf(violations);
  }

  public Kind kind() {
    return kind;
  }

  public List<Violation> violations() {
    return violations;
  }
}
