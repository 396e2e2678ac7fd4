package org.weft.orchestrator.coordination;

import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.state.ConnectionState;
import org.apache.zookeeper.CreateMode;
import org.apache.zookeeper.KeeperException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Which running experiments this instance executes. An experiment has the persistent marker
 * {@code /weft/running-experiments/{id}} while it runs and the ephemeral {@code …/owner} holding the
 * executing instance's id. Creating the owner node is the claim: ZooKeeper lets exactly one
 * instance create it, so exactly one instance adopts an orphaned experiment.
 */
@Component
public class ExperimentOwnership {

  private static final Logger log = LoggerFactory.getLogger(ExperimentOwnership.class);

  private final CuratorFramework client;
  private final ZooKeeperPaths paths;
  private final InstanceIdentity identity;
  private final Set<String> owned = ConcurrentHashMap.newKeySet();

  ExperimentOwnership(CuratorFramework client, ZooKeeperProperties properties, InstanceIdentity identity) {
    this.client = client;
    this.paths = new ZooKeeperPaths(properties.root());
    this.identity = identity;
    client.getConnectionStateListenable().addListener((c, state) -> {
      if (state == ConnectionState.LOST) {
        // our session is gone and with it our owner nodes: others may adopt these experiments now
        log.warn("ZooKeeper session lost: giving up {} experiments", owned.size());
        owned.clear();
      }
    });
  }

  /**
   * Tries to become the owner of a running experiment, creating its marker if needed.
   *
   * @return true when this instance owns it now (also when it already did)
   */
  public boolean claim(String experimentId) {
    if (owned.contains(experimentId)) {
      return true;
    }
    try {
      var owner = identity.id().getBytes(StandardCharsets.UTF_8);
      try {
        createMarkerAndOwner(experimentId, owner);
      } catch (KeeperException.NoNodeException e) {
        // the first experiment ever: the persistent parent is not there yet
        try {
          client.create().creatingParentsIfNeeded().forPath(paths.runningExperiments());
        } catch (KeeperException.NodeExistsException raced) {
          // another instance made it
        }
        createMarkerAndOwner(experimentId, owner);
      } catch (KeeperException.NodeExistsException e) {
        // the marker is there: an orphan to adopt, or an owner is alive and the next create says so
        client.create().withMode(CreateMode.EPHEMERAL).forPath(paths.owner(experimentId), owner);
      }
      owned.add(experimentId);
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return ownedBySession(experimentId);
    } catch (Exception e) {
      log.warn("Cannot claim experiment {}: {}", experimentId, e.toString());
      return false;
    }
  }

  /** A new experiment: marker and owner in one round trip, both or neither. */
  private void createMarkerAndOwner(String experimentId, byte[] owner) throws Exception {
    client.transaction().forOperations(
        client.transactionOp().create().forPath(paths.runningExperiment(experimentId)),
        client.transactionOp().create().withMode(CreateMode.EPHEMERAL).forPath(paths.owner(experimentId), owner));
  }

  /** True when the owner node exists and belongs to this instance's current session. */
  private boolean ownedBySession(String experimentId) {
    try {
      var stat = client.checkExists().forPath(paths.owner(experimentId));
      long session = client.getZookeeperClient().getZooKeeper().getSessionId();
      if (stat != null && stat.getEphemeralOwner() == session) {
        owned.add(experimentId);
        return true;
      }
      return false;
    } catch (Exception e) {
      return false;
    }
  }

  /** Whether an instance (any) holds the experiment's owner node now. */
  public boolean hasOwner(String experimentId) throws Exception {
    return client.checkExists().forPath(paths.owner(experimentId)) != null;
  }

  public boolean owns(String experimentId) {
    return owned.contains(experimentId);
  }

  public Set<String> owned() {
    return Set.copyOf(owned);
  }

  /**
   * The experiment ended: its marker and owner node go, in the background (the end is recorded in
   * Neo4j already; Curator retries the delete until it succeeds, also across reconnections).
   */
  public void release(String experimentId) {
    owned.remove(experimentId);
    try {
      client.delete().guaranteed().deletingChildrenIfNeeded().inBackground((c, event) -> {
        if (event.getResultCode() != KeeperException.Code.OK.intValue()
            && event.getResultCode() != KeeperException.Code.NONODE.intValue()) {
          log.warn("Cannot remove the running-experiment marker of {}: {}", experimentId,
              KeeperException.Code.get(event.getResultCode()));
        }
      }).forPath(paths.runningExperiment(experimentId));
    } catch (Exception e) {
      log.warn("Cannot remove the running-experiment marker of {}: {}", experimentId, e.toString());
    }
  }
}
