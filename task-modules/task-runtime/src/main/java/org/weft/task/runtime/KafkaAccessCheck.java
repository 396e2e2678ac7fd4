package org.weft.task.runtime;

import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClient;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.errors.AuthenticationException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Asks the brokers once, before any consumer starts, whether they accept this process's
 * credentials. Kafka's clients treat a refused login like an unreachable broker, retrying and
 * logging forever while the process reports itself up; a wrong password or protocol stops the
 * start instead, with one message ({@link KafkaAccessFailureAnalyzer}). A broker that does not
 * answer in time is only logged: it may still be starting, and the clients keep trying. Over
 * {@code PLAINTEXT} (the embedded broker, and Kafka's default) there is nothing to refuse, so the
 * check costs a start nothing there.
 */
final class KafkaAccessCheck implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(KafkaAccessCheck.class);
  /** Long enough for a TLS handshake and a SASL exchange with a busy broker. */
  static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final Map<String, Object> clientConfig;
  private final int timeoutMs;

  KafkaAccessCheck(Map<String, Object> clientConfig, Duration timeout) {
    this.clientConfig = clientConfig;
    this.timeoutMs = Math.toIntExact(timeout.toMillis());
  }

  @Override
  public void afterSingletonsInstantiated() {
    var protocol = String.valueOf(clientConfig.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG, "PLAINTEXT"));
    if ("PLAINTEXT".equalsIgnoreCase(protocol)) {
      return;
    }
    var bootstrap = clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG) instanceof Collection<?> servers
        ? servers.stream().map(String::valueOf).collect(Collectors.joining(","))
        : String.valueOf(clientConfig.get(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG));
    try (var admin = AdminClient.create(clientConfig)) {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).clusterId()
          .get(timeoutMs + 1_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof AuthenticationException refused) {
        throw new KafkaAccessRefusedException(bootstrap, refused);
      }
      log.warn("Kafka at {} did not answer at start ({}); its clients keep trying", bootstrap, e.getCause().toString());
    } catch (TimeoutException e) {
      log.warn("Kafka at {} did not answer within {} ms at start; its clients keep trying", bootstrap, timeoutMs);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
