package org.weft.orchestrator.messaging;

import java.util.concurrent.TimeUnit;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.MessageJson;
import org.weft.task.api.TaskResult;
import org.weft.task.api.Topics;

/**
 * Sends the results of the tasks the orchestrator runs itself (sub-workflows) to
 * {@code weft.task-results}, where they are applied like any worker's, keyed by experiment.
 */
@Component
public class ResultPublisher {

  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final MessageJson json;

  ResultPublisher(KafkaTemplate<String, String> kafka, Topics topics, MessageJson json) {
    this.kafka = kafka;
    this.topics = topics;
    this.json = json;
  }

  /** Sends a result and waits until the broker has it. */
  public void send(TaskResult result) {
    try {
      kafka.send(topics.taskResults(), result.experimentId(), json.write(result)).get(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while sending a result", e);
    } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Kafka did not take the result of " + result.taskId(), e);
    }
  }
}
