package org.weft.orchestrator.coordination;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.api.transaction.CuratorOp;
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
      createOwnerNode(experimentId);
      owned.add(experimentId);
      return true;
    } catch (KeeperException.NodeExistsException e) {
      return ownedBySession(experimentId);
    } catch (Exception e) {
      log.warn("Cannot claim experiment {}: {}", experimentId, e.toString());
      return false;
    }
  }

  /**
   * Claims a new experiment, as {@link #claim} does, unless there is no connection to ZooKeeper: then
   * it answers false at once, so a submission is not held up for as long as ZooKeeper is down.
   *
   * @return true when this instance owns it now
   */
  public boolean claimNew(String experimentId) {
    if (!client.getZookeeperClient().isConnected()) {
      log.warn("Not connected to ZooKeeper: experiment {} is not claimed now", experimentId);
      return false;
    }
    return claim(experimentId);
  }

  /**
   * Creates the owner node, and the marker with it when there is none yet.
   *
   * @throws KeeperException.NodeExistsException when an owner node exists already
   */
  private void createOwnerNode(String experimentId) throws Exception {
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
  }

  /**
   * Takes an experiment that looked ownerless. Unlike {@link #claim}, answers false when this
   * instance turns out to own it already (its launch claimed it meanwhile): it needs no adopting.
   *
   * @return true when this call made this instance the owner
   */
  public boolean adopt(String experimentId) {
    if (owned.contains(experimentId)) {
      return false;
    }
    try {
      createOwnerNode(experimentId);
      return owned.add(experimentId);
    } catch (KeeperException.NodeExistsException e) {
      // an owner is alive: another instance, or this one's launch, which has recorded it itself
      return false;
    } catch (Exception e) {
      log.warn("Cannot adopt experiment {}: {}", experimentId, e.toString());
      return false;
    }
  }

  /** A new experiment: marker and owner in one round trip, both or neither. */
  private void createMarkerAndOwner(String experimentId, byte[] owner) throws Exception {
    client.transaction().forOperations(markerAndOwner(experimentId, owner));
  }

  private List<CuratorOp> markerAndOwner(String experimentId, byte[] owner) throws Exception {
    return List.of(client.transactionOp().create().forPath(paths.runningExperiment(experimentId)),
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

  /**
   * Those of {@code experimentIds} that have no owner node now. The checks go out together, in the
   * background, and are answered in one pass over the connection: reconciling thousands of running
   * experiments costs one wait, not one round trip each.
   *
   * @throws Exception when ZooKeeper does not answer them all within {@code timeout}
   */
  public Set<String> ownerless(Collection<String> experimentIds, Duration timeout) throws Exception {
    var ownerless = ConcurrentHashMap.<String>newKeySet();
    var failures = new AtomicInteger();
    var answered = new CountDownLatch(experimentIds.size());
    for (var experimentId : experimentIds) {
      client.checkExists().inBackground((c, event) -> {
        if (event.getResultCode() == KeeperException.Code.NONODE.intValue()) {
          ownerless.add(experimentId);
        } else if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
          failures.incrementAndGet();
        }
        answered.countDown();
      }).forPath(paths.owner(experimentId));
    }
    if (!answered.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new TimeoutException("ZooKeeper answered %d of %d owner checks within %s"
          .formatted(experimentIds.size() - answered.getCount(), experimentIds.size(), timeout));
    }
    if (failures.get() > 0) {
      throw new IllegalStateException(failures.get() + " owner checks failed");
    }
    return ownerless;
  }

  /** The experiments that have a running marker, owned or not. */
  public Set<String> markers() {
    try {
      return Set.copyOf(client.getChildren().forPath(paths.runningExperiments()));
    } catch (KeeperException.NoNodeException e) {
      return Set.of();
    } catch (Exception e) {
      log.warn("Cannot list the running-experiment markers: {}", e.toString());
      return Set.of();
    }
  }

  /**
   * Deletes a marker that has no owner node. The delete is not recursive: should an instance have
   * claimed the experiment meanwhile, its owner node makes the delete fail, and the marker stays.
   *
   * @return true when this call deleted it
   */
  public boolean removeOrphanMarker(String experimentId) {
    try {
      client.delete().forPath(paths.runningExperiment(experimentId));
      return true;
    } catch (KeeperException.NoNodeException | KeeperException.NotEmptyException e) {
      return false;
    } catch (Exception e) {
      log.warn("Cannot remove the running-experiment marker of {}: {}", experimentId, e.toString());
      return false;
    }
  }

  public boolean owns(String experimentId) {
    return owned.contains(experimentId);
  }

  public Set<String> owned() {
    return Set.copyOf(owned);
  }

  /** How many experiments this instance owns, without copying them. */
  public int ownedCount() {
    return owned.size();
  }

  /**
   * The experiment ended: its owner node and marker go together, in one ZooKeeper transaction in the
   * background (the end is recorded in Neo4j already). Deleted one after the other, the marker would
   * be left for a moment without its owner, which is how reconciliation recognises an orphan: every
   * instance's reconciliation would be deleting markers of experiments as they end. Should the
   * transaction fail (no owner node any more, or no connection), the marker and whatever is under it
   * are deleted with Curator's guaranteed delete, which it retries until it succeeds.
   */
  public void release(String experimentId) {
    owned.remove(experimentId);
    try {
      client.transaction().inBackground((c, event) -> {
        if (event.getResultCode() != KeeperException.Code.OK.intValue()) {
          deleteMarker(experimentId);
        }
      }).forOperations(client.transactionOp().delete().forPath(paths.owner(experimentId)),
          client.transactionOp().delete().forPath(paths.runningExperiment(experimentId)));
    } catch (Exception e) {
      deleteMarker(experimentId);
    }
  }

  private void deleteMarker(String experimentId) {
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
