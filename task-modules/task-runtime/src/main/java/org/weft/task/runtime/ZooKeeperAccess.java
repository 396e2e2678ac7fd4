package org.weft.task.runtime;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.framework.api.ACLProvider;
import org.apache.zookeeper.ZooDefs;
import org.apache.zookeeper.data.ACL;

/**
 * How Weft's processes authenticate to a ZooKeeper that requires it, the same for the orchestrator
 * and the task microservices: with ZooKeeper's built-in {@code digest} scheme, one identity
 * ({@code weft.zookeeper.digest-auth}, {@code user:password}) shared by every Weft process, and
 * every node Weft creates readable and writable by that identity alone ({@code CREATOR_ALL_ACL}).
 * Without it, nodes are open to every client, as ZooKeeper's default is.
 */
public final class ZooKeeperAccess {

  private static final ACLProvider CREATOR_ONLY = new ACLProvider() {
    @Override
    public List<ACL> getDefaultAcl() {
      return ZooDefs.Ids.CREATOR_ALL_ACL;
    }

    @Override
    public List<ACL> getAclForPath(String path) {
      return ZooDefs.Ids.CREATOR_ALL_ACL;
    }
  };

  private ZooKeeperAccess() {}

  /**
   * @param digestAuth {@code user:password}, or null or blank for none
   * @throws IllegalArgumentException for a value that is not {@code user:password}
   */
  public static CuratorFrameworkFactory.Builder configure(CuratorFrameworkFactory.Builder builder, String digestAuth) {
    if (digestAuth == null || digestAuth.isBlank()) {
      return builder;
    }
    int colon = digestAuth.indexOf(':');
    if (colon < 1 || colon == digestAuth.length() - 1) {
      throw new IllegalArgumentException("weft.zookeeper.digest-auth is user:password");
    }
    return builder.authorization("digest", digestAuth.getBytes(StandardCharsets.UTF_8)).aclProvider(CREATOR_ONLY);
  }
}
