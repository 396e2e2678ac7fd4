package org.weft.orchestrator.lifecycle;

/** A state change the state machine does not allow: a conflict, never applied. */
public class IllegalTransitionException extends RuntimeException {

  /** @param what the thing that would move, as the start of a sentence: "An experiment", "A task" */
  public IllegalTransitionException(String what, String from, String to) {
    super("%s in state %s cannot move to %s".formatted(what, from, to));
  }
}
