package org.weft.orchestrator.web;

import java.util.List;
import org.springframework.http.HttpStatus;
import org.springframework.http.ProblemDetail;
import org.weft.orchestrator.template.Violation;

/** RFC 9457 problem details with Weft's problem types and the fields at fault. */
final class ApiProblem {

  static final String TYPE_BASE = "https://weft.example/problems/";

  private ApiProblem() {}

  static ProblemDetail of(HttpStatus status, String type, String title, String detail) {
    var problem = ProblemDetail.forStatusAndDetail(status, detail);
    problem.setType(java.net.URI.create(TYPE_BASE + type));
    problem.setTitle(title);
    return problem;
  }

  static ProblemDetail withErrors(HttpStatus status, String type, String title, List<Violation> violations) {
    var detail = violations.size() == 1 ? violations.get(0).toString()
        : violations.size() + " problems: " + violations.get(0) + "; …";
    var problem = of(status, type, title, detail);
    problem.setProperty("errors", violations.stream()
        .map(v -> java.util.Map.of("field", v.field(), "message", v.message())).toList());
    return problem;
  }
}
