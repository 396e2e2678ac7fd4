package org.weft.orchestrator.lifecycle;

/**
 * A rerun that names something the experiment does not have.
 *
 * @param field which part of the request is wrong
 */
public class InvalidRerunException extends RuntimeException {

  private final String field;

  public InvalidRerunException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
