package org.weft.orchestrator.template;

import java.util.List;
import java.util.stream.Collectors;

/** Experiment inputs that do not fit the template: missing, unknown or of the wrong type. */
public class InvalidInputsException extends RuntimeException {

  private final List<Violation> violations;

  public InvalidInputsException(List<Violation> violations) {
    super(violations.stream().map(Violation::toString).collect(Collectors.joining("; ")));
    this.violations = List.copyOf(violations);
  }

  public List<Violation> violations() {
    return violations;
  }
}
