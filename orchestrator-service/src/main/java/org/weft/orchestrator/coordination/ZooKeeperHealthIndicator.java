package org.weft.orchestrator.coordination;

import org.apache.curator.framework.CuratorFramework;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** UP while the client holds a live session; a health check must not block on Curator's retries. */
class ZooKeeperHealthIndicator extends AbstractHealthIndicator {

  private final CuratorFramework client;
  private final ZooKeeperProperties properties;

  ZooKeeperHealthIndicator(CuratorFramework client, ZooKeeperProperties properties) {
    super("ZooKeeper health check failed");
    this.client = client;
    this.properties = properties;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    builder.withDetail("connectString", properties.connectString()).withDetail("root", properties.root());
    var zookeeper = client.getZookeeperClient();
    if (zookeeper.isConnected()) {
      builder.up().withDetail("sessionId", Long.toHexString(zookeeper.getZooKeeper().getSessionId()));
    } else {
      builder.down().withDetail("state", client.getState().name());
    }
  }
}
