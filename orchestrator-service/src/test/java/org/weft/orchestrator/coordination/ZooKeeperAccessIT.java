package org.weft.orchestrator.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.runtime.ZooKeeperAccess;

/**
 * {@code weft.zookeeper.digest-auth} against the real (embedded) ZooKeeper: what one Weft process
 * creates, another with the same identity reads and removes, and a client without it cannot even
 * read.
 */
@WeftIntegrationTest
class ZooKeeperAccessIT {

  @Value("${weft.zookeeper.connect-string}")
  String connectString;

  @Test
  void nodesMadeWithTheSharedIdentityAreClosedToEveryOtherClient() throws Exception {
    var path = "/weft-acl-" + System.nanoTime() + "/running-experiments/e1/owner";
    try (var instance = client("weft:s3cret"); var other = client("weft:s3cret"); var stranger = client(null);
        var wrong = client("weft:guess")) {
      instance.create().creatingParentsIfNeeded().withMode(CreateMode.EPHEMERAL)
          .forPath(path, "instance-1".getBytes(StandardCharsets.UTF_8));

      assertThat(new String(other.getData().forPath(path), StandardCharsets.UTF_8)).isEqualTo("instance-1");
      for (var outsider : new CuratorFramework[] {stranger, wrong}) {
        assertThatThrownBy(() -> outsider.getData().forPath(path)).isInstanceOf(KeeperException.NoAuthException.class);
        // the parents Weft made are as closed: nothing can be listed or added beside its nodes
        assertThatThrownBy(() -> outsider.getChildren().forPath(path.substring(0, path.lastIndexOf('/'))))
            .isInstanceOf(KeeperException.NoAuthException.class);
      }
      other.delete().forPath(path);
      assertThat(instance.checkExists().forPath(path)).isNull();
    }
  }

  @Test
  void aValueThatIsNotUserColonPasswordIsRefused() {
    for (var value : new String[] {"weft", ":secret", "weft:"}) {
      assertThatThrownBy(() -> ZooKeeperAccess.configure(CuratorFrameworkFactory.builder(), value))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("user:password");
    }
  }

  private CuratorFramework client(String digestAuth) throws InterruptedException {
    var client = ZooKeeperAccess.configure(CuratorFrameworkFactory.builder(), digestAuth)
        .connectString(connectString).retryPolicy(new RetryOneTime(100)).build();
    client.start();
    assertThat(client.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
    return client;
  }
}
