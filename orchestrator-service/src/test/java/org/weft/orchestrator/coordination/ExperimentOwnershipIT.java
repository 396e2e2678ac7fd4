package org.weft.orchestrator.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.testsupport.OtherInstance;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class ExperimentOwnershipIT {

  @Autowired
  CuratorFramework zookeeper;

  /**
   * An instance's ownership apart from the engine's: the engine's reconciliation releases what its
   * own ownership holds and Neo4j does not know, which the experiments of these tests are not.
   */
  private ExperimentOwnership ownership;
  private CuratorFramework ownClient;

  @BeforeEach
  void anInstanceOfItsOwn() throws Exception {
    ownClient = CuratorFrameworkFactory.newClient(connectString, new RetryOneTime(100));
    ownClient.start();
    ownClient.blockUntilConnected(10, TimeUnit.SECONDS);
    ownership = new ExperimentOwnership(ownClient,
        new ZooKeeperProperties(connectString, "/weft", Duration.ofSeconds(10), Duration.ofSeconds(5), null),
        new InstanceIdentity("ownership-test"));
  }

  @AfterEach
  void closeIt() {
    ownClient.close();
  }

  @Value("${weft.zookeeper.connect-string}")
  String connectString;

  @Test
  void onlyExperimentsWhoseOwnerNodeIsGoneAreOwnerless() throws Exception {
    var ownedElsewhere = UUID.randomUUID().toString();
    var orphan = UUID.randomUUID().toString();
    var noMarker = UUID.randomUUID().toString();
    try (var otherInstance = OtherInstance.connect(connectString, "other")) {
      otherInstance.own(ownedElsewhere);
      zookeeper.create().creatingParentsIfNeeded().forPath("/weft/running-experiments/" + orphan);

      assertThat(ownership.ownerless(java.util.List.of(ownedElsewhere, orphan, noMarker), Duration.ofSeconds(10)))
          .containsExactlyInAnyOrder(orphan, noMarker);
    }
    // the other instance's session is closed: its experiment is an orphan now
    assertThat(ownership.ownerless(java.util.List.of(ownedElsewhere), Duration.ofSeconds(10))).containsExactly(ownedElsewhere);
  }

  @Test
  void thousandsOfOwnerChecksAreAnsweredTogether() throws Exception {
    var ids = new ArrayList<String>();
    for (int i = 0; i < 5_000; i++) {
      ids.add(UUID.randomUUID().toString());
    }

    assertThat(ownership.ownerless(ids, Duration.ofSeconds(30))).hasSize(5_000);
  }

  @Test
  void claimingTakesTheNewAndTheOrphanedButNotWhatAnotherInstanceOwns() throws Exception {
    var fresh = new ArrayList<String>();
    for (int i = 0; i < 20; i++) {
      fresh.add(UUID.randomUUID().toString());
    }
    var orphan = UUID.randomUUID().toString();
    var ownedElsewhere = UUID.randomUUID().toString();
    try (var otherInstance = OtherInstance.connect(connectString, "other")) {
      otherInstance.own(ownedElsewhere);
      zookeeper.create().creatingParentsIfNeeded().forPath("/weft/running-experiments/" + orphan);
      var all = new ArrayList<>(fresh);
      all.add(orphan);
      all.add(ownedElsewhere);

      var claimed = all.stream().filter(ownership::claimNew).toList();

      var expected = new ArrayList<>(fresh);
      expected.add(orphan);
      assertThat(claimed).containsExactlyInAnyOrderElementsOf(expected);
      assertThat(ownership.owned()).containsAll(expected).doesNotContain(ownedElsewhere);
      assertThat(ownership.ownerless(all, Duration.ofSeconds(10))).isEmpty();
      // claiming again what it owns changes nothing
      assertThat(ownership.claimNew(orphan)).isTrue();
    } finally {
      fresh.forEach(ownership::release);
      ownership.release(orphan);
    }
  }

  @Test
  void aReleasedExperimentsMarkerNeverShowsWithoutItsOwner() throws Exception {
    // reconciliation takes a marker without owner for an orphan: a release must not look like one,
    // even for a moment, or another instance's reconciliation deletes markers under a release
    var ids = new ArrayList<String>();
    for (int i = 0; i < 300; i++) {
      var id = UUID.randomUUID().toString();
      assertThat(ownership.claimNew(id)).isTrue();
      ids.add(id);
    }
    var releasing = new Thread(() -> ids.forEach(ownership::release));
    var seenWithoutOwner = new ArrayList<String>();
    releasing.start();
    do {
      for (var id : ownership.markers()) {
        if (ids.contains(id) && !ownership.hasOwner(id)
            && zookeeper.checkExists().forPath("/weft/running-experiments/" + id) != null) {
          seenWithoutOwner.add(id);
        }
      }
    } while (releasing.isAlive() || !Collections.disjoint(ownership.markers(), ids));
    releasing.join();

    assertThat(seenWithoutOwner).isEmpty();
  }

  @Test
  void releasingAnExperimentWhoseOwnerNodeIsGoneStillRemovesItsMarker() throws Exception {
    var id = UUID.randomUUID().toString();
    zookeeper.create().creatingParentsIfNeeded().forPath("/weft/running-experiments/" + id);

    ownership.release(id);

    await().atMost(Duration.ofSeconds(10))
        .until(() -> zookeeper.checkExists().forPath("/weft/running-experiments/" + id) == null);
  }

  @Test
  void withoutZooKeeperClaimingANewExperimentAnswersAtOnceThatItIsNotClaimed() throws Exception {
    // submissions claim before they commit: they must not wait for ZooKeeper while it is down
    int deadPort;
    try (var socket = new java.net.ServerSocket(0)) {
      deadPort = socket.getLocalPort();
    }
    try (var unreachable = CuratorFrameworkFactory.newClient("localhost:" + deadPort, new RetryOneTime(100))) {
      unreachable.start();
      var properties = new ZooKeeperProperties("localhost:" + deadPort, "/weft", Duration.ofSeconds(10), Duration.ofSeconds(5), null);
      var cut = new ExperimentOwnership(unreachable, properties, new InstanceIdentity("cut-off"));
      long start = System.nanoTime();

      var claimed = cut.claimNew(UUID.randomUUID().toString());

      assertThat(claimed).isFalse();
      assertThat(cut.owned()).isEmpty();
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
    }
  }
}
