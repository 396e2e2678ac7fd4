package org.weft.orchestrator.messaging;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/** UP when the cluster answers a metadata request within the timeout. */
class KafkaHealthIndicator extends AbstractHealthIndicator {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final SharedAdminClient admin;

  KafkaHealthIndicator(SharedAdminClient admin) {
    super("Kafka health check failed");
    this.admin = admin;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    var cluster = admin.get().describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()));
    var nodes = cluster.nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    builder.up()
        .withDetail("clusterId", cluster.clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .withDetail("brokers", nodes.size())
        .withDetail("bootstrapServers", admin.bootstrapServers());
  }
}
