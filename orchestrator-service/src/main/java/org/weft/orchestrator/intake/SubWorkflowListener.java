package org.weft.orchestrator.intake;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.kafka.annotation.KafkaListener;
import org.springframework.kafka.listener.DeadLetterPublishingRecoverer;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.engine.SubWorkflows;
import org.weft.orchestrator.model.MessageJson;
import org.weft.task.api.TaskDispatch;
import org.weft.task.runtime.DeadLetters;

/**
 * The orchestrator's own task service, for {@code sub-workflow} dispatches: each starts a child
 * experiment ({@link SubWorkflows}). Its consumer group is apart from the workers', and every
 * orchestrator instance joins it, so the dispatches are shared among them like any task type's
 * among its workers. A message that is not a dispatch is parked on the dead-letter topic.
 */
@Component
class SubWorkflowListener {

  private static final Logger log = LoggerFactory.getLogger(SubWorkflowListener.class);

  private final SubWorkflows subWorkflows;
  private final MessageJson json;
  private final DeadLetterPublishingRecoverer deadLetters;

  SubWorkflowListener(SubWorkflows subWorkflows, MessageJson json, DeadLetterPublishingRecoverer deadLetters) {
    this.subWorkflows = subWorkflows;
    this.json = json;
    this.deadLetters = deadLetters;
  }

  @KafkaListener(id = "weft-sub-workflows", topics = "#{@topics.tasks('sub-workflow')}",
      groupId = "${weft.messaging.consumer-group:weft-orchestrator}-sub-workflows", batch = "false")
  void onDispatch(ConsumerRecord<String, String> record) {
    TaskDispatch dispatch;
    try {
      dispatch = json.read(record.value(), TaskDispatch.class);
      if (dispatch == null || dispatch.experimentId() == null || dispatch.taskId() == null) {
        throw new IllegalArgumentException("not a task dispatch");
      }
    } catch (RuntimeException e) {
      log.warn("Malformed sub-workflow dispatch at {}-{}@{} sent to the dead-letter topic: {}", record.topic(),
          record.partition(), record.offset(), e.getMessage());
      DeadLetters.park(deadLetters, record, e);
      return;
    }
    subWorkflows.start(dispatch);
  }
}
