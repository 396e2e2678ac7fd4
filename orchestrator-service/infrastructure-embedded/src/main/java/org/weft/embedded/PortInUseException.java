package org.weft.embedded;

/** An embedded server cannot start because another process holds its port. */
public class PortInUseException extends RuntimeException {

  private final String server;
  private final int port;
  private final String property;

  PortInUseException(String server, int port, String property) {
    super("Port %d needed by the embedded %s is already in use: free it or set %s to another port"
        .formatted(port, server, property));
    this.server = server;
    this.port = port;
    this.property = property;
  }

  public String server() {
    return server;
  }

  public int port() {
    return port;
  }

  public String property() {
    return property;
  }
}
