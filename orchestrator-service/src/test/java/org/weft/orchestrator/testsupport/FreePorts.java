package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/** Free loopback ports for servers a test starts in another process. */
public final class FreePorts {

  private FreePorts() {}

  /** {@code count} distinct ports that were free a moment ago (all held at once while choosing). */
  public static int[] take(int count) {
    var sockets = new ArrayList<ServerSocket>();
    try {
      for (int i = 0; i < count; i++) {
        var socket = new ServerSocket(0);
        socket.setReuseAddress(true);
        sockets.add(socket);
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      closeAll(sockets);
    }
  }

  private static void closeAll(List<ServerSocket> sockets) {
    for (var socket : sockets) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // released either way
      }
    }
  }
}
