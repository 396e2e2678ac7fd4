package org.weft.orchestrator.engine;

/** A webhook that cannot be registered as asked: the field and what is wrong with it. */
public class InvalidWebhookException extends RuntimeException {

  private final String field;

  public InvalidWebhookException(String field, String message) {
    super(message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
