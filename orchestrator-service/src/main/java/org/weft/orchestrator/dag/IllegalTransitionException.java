package org.weft.orchestrator.dag;

/** A state change the state machine does not allow: a conflict, never applied. */
public class IllegalTransitionException extends RuntimeException {

  public IllegalTransitionException(String what, String from, String to) {
    super("A %s in state %s cannot move to %s".formatted(what, from, to));
  }
}
