package org.weft.orchestrator.coordination;

import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.weft.task.runtime.ZooKeeperAccess;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

@Configuration(proxyBeanMethods = false)
class CoordinationConfiguration {

  private static final int RETRY_BASE_MILLIS = 100;
  private static final int RETRY_MAX_MILLIS = 5_000;
  private static final int RETRY_MAX_ATTEMPTS = 29;

  /** The one ZooKeeper client of this process; closing it ends the session and its ephemeral nodes. */
  @Bean(destroyMethod = "close")
  CuratorFramework curatorFramework(ZooKeeperProperties properties) {
    var client = ZooKeeperAccess.configure(CuratorFrameworkFactory.builder(), properties.digestAuth())
        .connectString(properties.connectString())
        .sessionTimeoutMs(Math.toIntExact(properties.sessionTimeout().toMillis()))
        .connectionTimeoutMs(Math.toIntExact(properties.connectionTimeout().toMillis()))
        .retryPolicy(new ExponentialBackoffRetry(RETRY_BASE_MILLIS, RETRY_MAX_ATTEMPTS, RETRY_MAX_MILLIS))
        .build();
    client.start();
    return client;
  }

  @Bean
  ZooKeeperHealthIndicator zookeeperHealthIndicator(CuratorFramework client, ZooKeeperProperties properties) {
    return new ZooKeeperHealthIndicator(client, properties);
  }
}
