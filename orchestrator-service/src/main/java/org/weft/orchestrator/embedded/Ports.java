package org.weft.orchestrator.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Checks ports before a server binds them, so a busy port is one clear error and not a stack trace. */
final class Ports {

  private Ports() {}

  /**
   * Returns {@code port}, or a free port when it is {@code 0}.
   *
   * @throws PortInUseException when the port is taken
   */
  static int claim(String host, int port, String server, String property) {
    try (var socket = new ServerSocket()) {
      // without SO_REUSEADDR a port in TIME_WAIT from our own previous run would look busy
      socket.setReuseAddress(true);
      socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      return socket.getLocalPort();
    } catch (java.net.BindException e) {
      throw new PortInUseException(server, port, property);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check port %d on %s for the embedded %s".formatted(port, host, server), e);
    }
  }
}
