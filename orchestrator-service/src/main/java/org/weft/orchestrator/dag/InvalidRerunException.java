package org.weft.orchestrator.dag;

import java.util.List;

/** A rerun that names something the experiment does not have. */
public class InvalidRerunException extends RuntimeException {

  private final List<Violation> violations;

  public InvalidRerunException(Violation violation) {
    super(violation.toString());
    this.violations = List.of(violation);
  }

  public List<Violation> violations() {
    return violations;
  }
}
