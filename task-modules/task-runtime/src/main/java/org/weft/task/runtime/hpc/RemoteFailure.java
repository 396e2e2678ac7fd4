package org.weft.task.runtime.hpc;

import org.weft.task.runtime.TaskFailure;

/** What went wrong talking to a compute resource, and whether trying again later can help. */
public final class RemoteFailure {

  private RemoteFailure() {}

  /** The host did not answer, the connection dropped, a command ran out of time: it may pass. */
  static TaskFailure unreachable(String resource, String what, Throwable cause) {
    return new TaskFailure("resource '%s' is unreachable (%s): %s".formatted(resource, what, describe(cause)), true, cause);
  }

  /** Refused credentials or host key: the same attempt fails the same way until someone acts. */
  static TaskFailure refused(String resource, String message) {
    return new TaskFailure("resource '%s': %s".formatted(resource, message), false);
  }

  static String describe(Throwable cause) {
    if (cause == null) {
      return "no answer";
    }
    var message = cause.getMessage();
    return cause.getClass().getSimpleName() + (message == null ? "" : ": " + message);
  }
}
