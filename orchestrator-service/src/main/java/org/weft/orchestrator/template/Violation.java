package org.weft.orchestrator.template;

/**
 * One thing wrong with a template or a submission.
 *
 * @param field   where, as a path into the document ({@code tasks[2].dependsOn}, {@code inputs.steps})
 * @param message what is wrong, for a person
 */
public record Violation(String field, String message) {

  @Override
  public String toString() {
    return field + ": " + message;
  }
}
