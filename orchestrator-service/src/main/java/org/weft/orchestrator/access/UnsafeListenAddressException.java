package org.weft.orchestrator.access;

/** The local mode, which asks no token, was asked to listen beyond this machine. */
class UnsafeListenAddressException extends RuntimeException {

  UnsafeListenAddressException(String address) {
    super("No token issuer is configured (weft.access.issuer-uri), so every request would act as an operator, "
        + "but server.address is " + (address == null ? "unset (every interface)" : "'" + address + "'")
        + ", not a loopback address");
  }
}
