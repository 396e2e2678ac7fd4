package org.weft.task.runtime.net;

/** A URL whose host is, or resolves to, an address the policy does not let a user reach. */
public class RefusedAddressException extends Exception {

  public RefusedAddressException(String message) {
    super(message);
  }
}
