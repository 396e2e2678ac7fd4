package org.weft.orchestrator.messaging;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;
import org.springframework.kafka.core.KafkaAdmin;

/** UP when the cluster answers a metadata request within the timeout. */
class KafkaHealthIndicator extends AbstractHealthIndicator implements AutoCloseable {

  private static final Duration TIMEOUT = Duration.ofSeconds(3);

  private final KafkaAdmin admin;
  private AdminClient client;

  KafkaHealthIndicator(KafkaAdmin admin) {
    super("Kafka health check failed");
    this.admin = admin;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) throws Exception {
    var cluster = client().describeCluster(new DescribeClusterOptions().timeoutMs((int) TIMEOUT.toMillis()));
    var nodes = cluster.nodes().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    builder.up()
        .withDetail("clusterId", cluster.clusterId().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS))
        .withDetail("brokers", nodes.size())
        .withDetail("bootstrapServers", admin.getConfigurationProperties().get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
  }

  private synchronized AdminClient client() {
    if (client == null) {
      client = AdminClient.create(admin.getConfigurationProperties());
    }
    return client;
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close(Duration.ofSeconds(1));
    }
  }
}
