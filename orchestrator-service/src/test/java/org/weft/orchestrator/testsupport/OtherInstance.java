package org.weft.orchestrator.testsupport;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;

/**
 * Another live orchestrator instance as ZooKeeper sees it: a session of its own whose ephemeral
 * owner nodes claim experiments. The engine in the shared test context neither adopts what it owns
 * nor removes its markers; closing it ends the session, and its experiments become orphans.
 */
public final class OtherInstance implements AutoCloseable {

  private final CuratorFramework client;
  private final String id;

  private OtherInstance(CuratorFramework client, String id) {
    this.client = client;
    this.id = id;
  }

  /** Connects to ZooKeeper at {@code connectString} as the instance {@code id}. */
  public static OtherInstance connect(String connectString, String id) throws InterruptedException {
    var client = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100));
    client.start();
    if (!client.blockUntilConnected(20, TimeUnit.SECONDS)) {
      client.close();
      throw new IllegalStateException("ZooKeeper at " + connectString + " did not answer");
    }
    return new OtherInstance(client, id);
  }

  /** Claims an experiment: its running marker and an owner node of this session. */
  public void own(String experimentId) {
    try {
      client.create().creatingParentsIfNeeded().forPath(marker(experimentId));
      client.create().withMode(CreateMode.EPHEMERAL)
          .forPath(marker(experimentId) + "/owner", id.getBytes(StandardCharsets.UTF_8));
    } catch (Exception e) {
      throw new IllegalStateException("Cannot own experiment " + experimentId, e);
    }
  }

  /** Removes an experiment's marker and owner node, if there are any. */
  public void forget(String experimentId) {
    try {
      client.delete().deletingChildrenIfNeeded().forPath(marker(experimentId));
    } catch (KeeperException.NoNodeException e) {
      // already gone
    } catch (Exception e) {
      throw new IllegalStateException("Cannot remove the marker of experiment " + experimentId, e);
    }
  }

  private static String marker(String experimentId) {
    return "/weft/running-experiments/" + experimentId;
  }

  @Override
  public void close() {
    client.close();
  }
}
