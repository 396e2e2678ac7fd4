package org.weft.task.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.List;
import java.util.Map;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.ExponentialBackoffRetry;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.kafka.autoconfigure.DefaultKafkaProducerFactoryCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.ConsumerFactory;
import org.springframework.kafka.core.KafkaTemplate;
import org.weft.task.api.Topics;
import org.weft.task.runtime.files.DataFiles;
import org.weft.task.runtime.hpc.RemoteHosts;
import org.weft.task.runtime.jobs.JobExecutor;
import org.weft.task.runtime.jobs.LocalProcessExecutor;

/**
 * The task runtime in any Spring Boot application that has {@link TaskHandler} beans: a task
 * microservice of its own, or the orchestrator running every task type in one process.
 */
@AutoConfiguration(afterName = {
    "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration",
    "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration"})
@EnableConfigurationProperties(WorkerProperties.class)
@ConditionalOnProperty(name = "weft.worker.enabled", havingValue = "true", matchIfMissing = true)
public class WorkerAutoConfiguration {

  /** A ZooKeeper client of the worker's own, unless the application has one (the orchestrator does). */
  @Bean(destroyMethod = "close")
  @ConditionalOnMissingBean(CuratorFramework.class)
  CuratorFramework workerCuratorFramework(
      @Value("${weft.zookeeper.connect-string:localhost:2181}") String connectString,
      @Value("${weft.zookeeper.session-timeout:10s}") java.time.Duration sessionTimeout,
      @Value("${weft.zookeeper.digest-auth:}") String digestAuth) {
    var client = ZooKeeperAccess.configure(CuratorFrameworkFactory.builder(), digestAuth)
        .connectString(connectString)
        .sessionTimeoutMs(Math.toIntExact(sessionTimeout.toMillis()))
        .connectionTimeoutMs(Math.toIntExact(Math.min(5_000, sessionTimeout.toMillis())))
        .retryPolicy(new ExponentialBackoffRetry(100, 29, 5_000))
        .build();
    client.start();
    return client;
  }

  /**
   * Results and heartbeats leave at once: since Kafka 4.0 a producer waits up to 5 ms
   * ({@code linger.ms}) for more records to batch with, which every task-to-task hop would pay. A
   * {@code linger.ms} the application configures wins.
   */
  @Bean
  DefaultKafkaProducerFactoryCustomizer workerProducerSendsAtOnce() {
    return factory -> {
      if (!factory.getConfigurationProperties().containsKey(ProducerConfig.LINGER_MS_CONFIG)) {
        factory.updateConfigs(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0));
      }
    };
  }

  /** {@code worker} in {@code /actuator/health}. */
  @Bean
  public HealthIndicator workerHealthIndicator(WorkerRuntime runtime) {
    return new WorkerHealthIndicator(runtime);
  }

  @Bean
  @ConditionalOnMissingBean(JobExecutor.class)
  LocalProcessExecutor localProcessExecutor(WorkerProperties properties) {
    return new LocalProcessExecutor(properties.workspaceDir().resolve("jobs"));
  }

  @Bean
  WorkerRuntime workerRuntime(List<TaskHandler> handlers, ConsumerFactory<String, String> consumers,
      KafkaTemplate<String, String> kafka, CuratorFramework zookeeper,
      @Value("${weft.zookeeper.root:/weft}") String zookeeperRoot,
      @Value("${weft.messaging.topic-prefix:weft.}") String topicPrefix,
      WorkerProperties properties, ObjectProvider<MeterRegistry> meters, ObjectProvider<RemoteHosts> remotes) {
    var roots = new java.util.ArrayList<>(List.of(properties.workspaceDir(), properties.outputs()));
    roots.addAll(properties.staging().allowedRootDirs());
    return new WorkerRuntime(handlers, consumers, kafka, new Topics(topicPrefix), zookeeper, zookeeperRoot,
        properties, meters.getIfAvailable(SimpleMeterRegistry::new), new DataFiles(roots, remotes.getIfAvailable()));
  }
}
