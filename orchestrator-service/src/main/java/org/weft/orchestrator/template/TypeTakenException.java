package org.weft.orchestrator.template;

/**
 * A registration for an experiment type that is shared, or another gateway's: a type has one owner
 * for all its versions. The message does not say whose it is.
 */
public class TypeTakenException extends RuntimeException {

  public TypeTakenException(String type) {
    super("The experiment type '" + type + "' is taken by a shared template or another gateway's; "
        + "register this template under another type");
  }
}
