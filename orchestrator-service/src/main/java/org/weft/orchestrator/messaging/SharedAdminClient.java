package org.weft.orchestrator.messaging;

import java.time.Duration;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The one Kafka admin client of the orchestrator's own reads (its health, the task backlog), made
 * from Spring's {@link KafkaAdmin} settings on first use and closed with the context.
 */
final class SharedAdminClient implements AutoCloseable {

  private final KafkaAdmin admin;
  private AdminClient client;

  SharedAdminClient(KafkaAdmin admin) {
    this.admin = admin;
  }

  synchronized AdminClient get() {
    if (client == null) {
      client = AdminClient.create(admin.getConfigurationProperties());
    }
    return client;
  }

  Object bootstrapServers() {
    return admin.getConfigurationProperties().get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG);
  }

  @Override
  public synchronized void close() {
    if (client != null) {
      client.close(Duration.ofSeconds(1));
      client = null;
    }
  }
}
