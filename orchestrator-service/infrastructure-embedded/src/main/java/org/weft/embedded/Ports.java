package org.weft.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * Reserves the ports of the embedded servers before any of them starts, so that a busy port is one
 * clear error and not a stack trace halfway through, and so that several {@code 0} ports resolve to
 * distinct free ports. The reservation is released just before the servers bind.
 */
final class Ports implements AutoCloseable {

  private final String host;
  private final List<ServerSocket> held = new ArrayList<>();

  Ports(String host) {
    this.host = host;
  }

  /**
   * Returns {@code port}, or a free port when it is {@code 0}, and holds it until {@link #close()}.
   *
   * @throws PortInUseException when the port is taken
   */
  int reserve(int port, String server, String property) {
    try {
      var socket = new ServerSocket();
      // without SO_REUSEADDR a port in TIME_WAIT from our own previous run would look busy
      socket.setReuseAddress(true);
      try {
        socket.bind(new InetSocketAddress(InetAddress.getByName(host), port));
      } catch (BindException e) {
        socket.close();
        throw new PortInUseException(server, port, property);
      }
      held.add(socket);
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot check port %d on %s for the embedded %s".formatted(port, host, server), e);
    }
  }

  @Override
  public void close() {
    for (var socket : held) {
      try {
        socket.close();
      } catch (IOException e) {
        // nothing was sent on it; the port is released either way
      }
    }
    held.clear();
  }
}
