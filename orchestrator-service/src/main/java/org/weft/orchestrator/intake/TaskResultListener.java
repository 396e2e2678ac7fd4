package org.weft.orchestrator.intake;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.engine.ExperimentEngine;
import org.weft.orchestrator.model.MessageJson;
import org.weft.task.api.TaskResult;
import org.weft.task.runtime.DeadLetters;

/**
 * Consumes {@code weft.task-results} in batches and hands them to the engine, which applies a batch
 * in one transaction (group commit). Offsets are committed after the engine returns, so a crash
 * replays results, which the engine recognises as duplicates. A message that is not a result is
 * parked on the dead-letter topic and the consumer goes on.
 */
@Component
class TaskResultListener {

  private static final Logger log = LoggerFactory.getLogger(TaskResultListener.class);

  private final ExperimentEngine engine;
  private final MessageJson json;
  private final DeadLetterPublishingRecoverer deadLetters;
  private final MeterRegistry meters;

  TaskResultListener(ExperimentEngine engine, MessageJson json, DeadLetterPublishingRecoverer deadLetters,
      MeterRegistry meters) {
    this.engine = engine;
    this.json = json;
    this.deadLetters = deadLetters;
    this.meters = meters;
  }

  @KafkaListener(id = "weft-task-results", topics = "#{@topics.taskResults()}",
      groupId = "${weft.messaging.consumer-group:weft-orchestrator}", batch = "true")
  void onResults(List<ConsumerRecord<String, String>> records) {
    var results = new ArrayList<TaskResult>(records.size());
    for (var record : records) {
      try {
        var result = json.read(record.value(), TaskResult.class);
        if (result == null) {
          throw new IllegalArgumentException("empty message");
        }
        results.add(result);
      } catch (RuntimeException e) {
        deadLetter(record, e);
      }
    }
    engine.onResults(results);
  }

  private void deadLetter(ConsumerRecord<String, String> record, RuntimeException e) {
    meters.counter("weft.task.results", "outcome", "malformed", "status", "unknown").increment();
    log.warn("Malformed task result at {}-{}@{} sent to the dead-letter topic: {}", record.topic(), record.partition(),
        record.offset(), e.getMessage());
    DeadLetters.park(deadLetters, record, e);
  }
}
