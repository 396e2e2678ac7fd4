package org.weft.orchestrator.web;

import java.util.List;
import org.weft.orchestrator.template.Violation;

/** A request whose body or parameters are malformed or hold an invalid field: 400. */
class BadRequestException extends RuntimeException {

  private final List<Violation> violations;

  BadRequestException(List<Violation> violations) {
    super(violations.toString());
    this.violations = List.copyOf(violations);
  }

  BadRequestException(String field, String message) {
    this(List.of(new Violation(field, message)));
  }

  List<Violation> violations() {
    return violations;
  }
}
