package org.weft.orchestrator.coordination;

import java.io.IOException;
import java.util.concurrent.CopyOnWriteArrayList;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.recipes.leader.LeaderLatch;
import org.apache.curator.framework.recipes.leader.LeaderLatchListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * One instance at a time sends webhooks, so that an experiment's deliveries go out in order and
 * none twice at once: the instances elect it with Curator's leader latch under
 * {@code leaders/webhooks}. When its session ends, another takes over and resends what was in
 * flight (at least once, with the same {@code webhook-id}).
 */
@Component
public class WebhookLeadership implements SmartLifecycle {

  /** Told when this instance starts and stops being the sender. */
  public interface Listener {
    void leading(boolean leading);
  }

  private static final Logger log = LoggerFactory.getLogger(WebhookLeadership.class);

  private final CuratorFramework client;
  private final ZooKeeperPaths paths;
  private final InstanceIdentity identity;
  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();
  private volatile LeaderLatch latch;

  WebhookLeadership(CuratorFramework client, ZooKeeperProperties properties, InstanceIdentity identity) {
    this.client = client;
    this.paths = new ZooKeeperPaths(properties.root());
    this.identity = identity;
  }

  public void listen(Listener listener) {
    listeners.add(listener);
  }

  public boolean leading() {
    var current = latch;
    return current != null && current.hasLeadership();
  }

  @Override
  public void start() {
    var created = new LeaderLatch(client, paths.webhookSender(), identity.id());
    created.addListener(new LeaderLatchListener() {
      @Override
      public void isLeader() {
        log.info("This instance sends the webhooks");
        listeners.forEach(l -> l.leading(true));
      }

      @Override
      public void notLeader() {
        log.info("This instance no longer sends the webhooks");
        listeners.forEach(l -> l.leading(false));
      }
    });
    try {
      created.start();
    } catch (Exception e) {
      throw new IllegalStateException("Could not join the election of the webhook sender", e);
    }
    latch = created;
  }

  @Override
  public void stop() {
    var current = latch;
    latch = null;
    if (current != null) {
      try {
        current.close();
      } catch (IOException | IllegalStateException e) {
        log.debug("Leaving the webhook sender election failed; the session's end does it", e);
      }
    }
  }

  @Override
  public boolean isRunning() {
    return latch != null;
  }
}
