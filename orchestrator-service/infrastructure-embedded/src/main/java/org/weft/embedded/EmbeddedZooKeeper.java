package org.weft.embedded;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.zookeeper.server.ServerCnxnFactory;
import org.apache.zookeeper.server.ZooKeeperServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A standalone ZooKeeper server whose snapshots and transaction log live in {@code dataDir}. */
final class EmbeddedZooKeeper implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedZooKeeper.class);
  private static final int MAX_CLIENT_CONNECTIONS = 1000;

  private final ServerCnxnFactory connections;
  private final String connectString;

  private EmbeddedZooKeeper(ServerCnxnFactory connections, String connectString) {
    this.connections = connections;
    this.connectString = connectString;
  }

  static EmbeddedZooKeeper start(Path dataDir, String host, int port, Duration tickTime)
      throws IOException, InterruptedException {
    Files.createDirectories(dataDir);
    int tick = Math.toIntExact(tickTime.toMillis());
    var server = new ZooKeeperServer(dataDir.toFile(), dataDir.toFile(), tick);
    server.setMinSessionTimeout(2 * tick);
    server.setMaxSessionTimeout(120 * tick);
    var connections = ServerCnxnFactory.createFactory(new InetSocketAddress(host, port), MAX_CLIENT_CONNECTIONS);
    try {
      connections.startup(server);
    } catch (IOException | InterruptedException | RuntimeException e) {
      connections.shutdown();
      throw e;
    }
    var connectString = host + ":" + connections.getLocalPort();
    log.info("Embedded ZooKeeper listening on {} with data in {}", connectString, dataDir);
    return new EmbeddedZooKeeper(connections, connectString);
  }

  String connectString() {
    return connectString;
  }

  @Override
  public void close() {
    // shutting the connection factory down also shuts its server down and closes the database
    connections.shutdown();
    log.info("Embedded ZooKeeper stopped");
  }
}
