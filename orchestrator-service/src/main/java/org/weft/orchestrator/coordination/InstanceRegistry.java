package org.weft.orchestrator.coordination;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.nodes.PersistentNode;
import org.apache.zookeeper.CreateMode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * Registers this instance as the ephemeral {@code /weft/instances/{instanceId}}; Curator's
 * {@link PersistentNode} recreates it after a session loss.
 */
@Component
public class InstanceRegistry implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(InstanceRegistry.class);

  private final CuratorFramework client;
  private final ZooKeeperPaths paths;
  private final InstanceIdentity identity;
  private volatile PersistentNode node;

  InstanceRegistry(CuratorFramework client, ZooKeeperProperties properties, InstanceIdentity identity) {
    this.client = client;
    this.paths = new ZooKeeperPaths(properties.root());
    this.identity = identity;
  }

  @Override
  public void start() {
    var data = "{\"startedAt\":\"%s\"}".formatted(Instant.now()).getBytes(StandardCharsets.UTF_8);
    node = new PersistentNode(client, CreateMode.EPHEMERAL, false, paths.instance(identity.id()), data);
    node.start();
    log.info("Orchestrator instance {} registered at {}", identity.id(), paths.instance(identity.id()));
  }

  @Override
  public void stop() {
    var current = node;
    if (current != null) {
      try {
        current.close();
      } catch (Exception e) {
        log.debug("Closing the instance node failed; the session's end removes it", e);
      }
      node = null;
    }
  }

  @Override
  public boolean isRunning() {
    return node != null;
  }
}
