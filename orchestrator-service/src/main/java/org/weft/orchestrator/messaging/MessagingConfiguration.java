package org.weft.orchestrator.messaging;

import java.util.ArrayList;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.kafka.core.KafkaAdmin;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.kafka.listener.DefaultErrorHandler;
import org.springframework.kafka.listener.RetryListener;
import org.springframework.util.backoff.ExponentialBackOff;
import org.weft.orchestrator.template.TaskTypeCatalog;
import org.weft.task.api.Topics;
import org.weft.task.runtime.DeadLetters;

@Configuration(proxyBeanMethods = false)
class MessagingConfiguration {

  private static final Logger log = LoggerFactory.getLogger(MessagingConfiguration.class);

  @Bean(destroyMethod = "close")
  SharedAdminClient sharedAdminClient(KafkaAdmin admin) {
    return new SharedAdminClient(admin);
  }

  @Bean
  KafkaHealthIndicator kafkaHealthIndicator(SharedAdminClient admin) {
    return new KafkaHealthIndicator(admin);
  }

  @Bean
  Topics topics(MessagingProperties properties) {
    return new Topics(properties.topicPrefix());
  }

  /** Every topic of the contract, created at startup where missing. */
  @Bean
  KafkaAdmin.NewTopics weftTopics(Topics topics, MessagingProperties properties, TaskTypeCatalog catalog) {
    var all = new ArrayList<NewTopic>();
    for (var name : new String[] {topics.taskResults(), topics.taskControl(), topics.experimentEvents(),
        topics.deadLetter(topics.taskResults())}) {
      all.add(new NewTopic(name, properties.partitions(), properties.replicationFactor()));
    }
    for (var taskType : catalog.names()) {
      all.add(new NewTopic(topics.tasks(taskType), properties.partitions(), properties.replicationFactor()));
    }
    return new KafkaAdmin.NewTopics(all.toArray(NewTopic[]::new));
  }

  /**
   * Retries a batch of results that could not be applied (the database was unreachable, say) with
   * growing pauses, blocking its partition so results stay in order; after two minutes the batch is
   * parked on the dead-letter topic rather than lost.
   */
  @Bean
  DefaultErrorHandler kafkaErrorHandler(DeadLetterPublishingRecoverer deadLetters) {
    var backOff = new ExponentialBackOff(200, 2.0);
    backOff.setMaxInterval(5_000);
    backOff.setMaxElapsedTime(120_000);
    var handler = new DefaultErrorHandler(deadLetters, backOff);
    // a partition held up by a failing batch must show in the log, not only once it is parked
    handler.setRetryListeners(new RetryListener() {
      @Override
      public void failedDelivery(ConsumerRecord<?, ?> record, Exception e, int attempt) {
        log.warn("Applying {}-{}@{} failed (attempt {}); retrying: {}", record.topic(), record.partition(),
            record.offset(), attempt, e.toString());
      }

      @Override
      public void failedDelivery(ConsumerRecords<?, ?> records, Exception e, int attempt) {
        log.warn("Applying a batch of {} records failed (attempt {}); retrying", records.count(), attempt, e);
      }
    });
    return handler;
  }

  /** Where unusable results go: the same recoverer, topics and headers as the workers' ({@link DeadLetters}). */
  @Bean
  DeadLetterPublishingRecoverer deadLetterRecoverer(KafkaTemplate<Object, Object> template, Topics topics) {
    return DeadLetters.recoverer(template, topics);
  }
}
