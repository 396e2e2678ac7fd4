package org.weft.orchestrator.coordination;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How the orchestrator reaches ZooKeeper.
 *
 * @param connectString     ZooKeeper ensemble; setting it means an external ZooKeeper and no
 *                          embedded one (default {@code localhost:2181}, or the embedded server)
 * @param root              the path under which Weft keeps its nodes (default {@code /weft})
 * @param sessionTimeout    how long after an instance stops answering its ephemeral nodes vanish
 *                          and other instances adopt its experiments (default {@code 10s})
 * @param connectionTimeout how long one connection attempt may take (default {@code 5s})
 * @param digestAuth        {@code user:password} for a ZooKeeper that requires authentication:
 *                          Weft's processes then authenticate with the {@code digest} scheme and
 *                          make every node theirs alone; the task microservices need the same
 *                          value (default none: open nodes, ZooKeeper's default)
 */
@ConfigurationProperties("weft.zookeeper")
public record ZooKeeperProperties(
    @DefaultValue("localhost:2181") String connectString,
    @DefaultValue("/weft") String root,
    @DefaultValue("10s") Duration sessionTimeout,
    @DefaultValue("5s") Duration connectionTimeout,
    String digestAuth) {

  public ZooKeeperProperties {
    if (!root.startsWith("/") || (root.length() > 1 && root.endsWith("/"))) {
      throw new IllegalArgumentException("weft.zookeeper.root must start with '/' and not end with one: " + root);
    }
  }
}
