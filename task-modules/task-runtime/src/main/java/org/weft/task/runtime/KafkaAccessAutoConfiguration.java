package org.weft.task.runtime;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.context.annotation.Bean;
import org.springframework.kafka.core.KafkaAdmin;

/**
 * The start-up check of Kafka credentials, in every Weft process that talks to Kafka (the
 * orchestrator and each task microservice, whether or not it runs tasks itself).
 */
@AutoConfiguration(afterName = "org.springframework.boot.kafka.autoconfigure.KafkaAutoConfiguration")
@ConditionalOnBean(KafkaAdmin.class)
public class KafkaAccessAutoConfiguration {

  @Bean
  KafkaAccessCheck kafkaAccessCheck(KafkaAdmin admin) {
    return new KafkaAccessCheck(admin.getConfigurationProperties(), KafkaAccessCheck.TIMEOUT);
  }
}
