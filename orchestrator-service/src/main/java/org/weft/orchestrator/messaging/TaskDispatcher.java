package org.weft.orchestrator.messaging;

import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.springframework.kafka.core.KafkaTemplate;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.MessageJson;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.Topics;

/**
 * Sends dispatches to {@code weft.tasks.{taskType}} and commands to {@code weft.task-control},
 * keyed by experiment (a straggler's replica by its own id, and sent to another worker's partition
 * where there is one: {@link ReplicaPlacement}): {@link #send} waits until the broker has them all, {@link #sendAsync} lets the
 * caller go on and learn of a failure from the future.
 */
@Component
public class TaskDispatcher {

  private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

  private final KafkaTemplate<String, String> kafka;
  private final Topics topics;
  private final MessageJson json;
  private final MeterRegistry meters;
  private final ReplicaPlacement placement;

  TaskDispatcher(KafkaTemplate<String, String> kafka, Topics topics, MessageJson json, MeterRegistry meters,
      ReplicaPlacement placement) {
    this.kafka = kafka;
    this.placement = placement;
    this.topics = topics;
    this.json = json;
    this.meters = meters;
  }

  public void send(List<TaskDispatch> dispatches, List<TaskControl> controls) {
    try {
      sendAsync(dispatches, controls).get(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while sending dispatches", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("Kafka did not take the dispatches within " + SEND_TIMEOUT, e);
    }
  }

  /**
   * Hands the messages to the producer and returns at once. The future completes when the broker
   * has them all, or fails (within the producer's delivery timeout) when it did not take one; the
   * producer keeps the order of the messages of each experiment.
   */
  public CompletableFuture<Void> sendAsync(List<TaskDispatch> dispatches, List<TaskControl> controls) {
    if (dispatches.isEmpty() && controls.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    var sent = new ArrayList<CompletableFuture<?>>(dispatches.size() + controls.size());
    try {
      for (var dispatch : dispatches) {
        var topic = topics.tasks(dispatch.taskType());
        if (dispatch.runsAsReplica()) {
          // away from the worker running the attempt it copies, where the group has another
          var partition = placement.partitionAvoiding(dispatch.taskType(), dispatch.workerToAvoid());
          sent.add(partition.isPresent()
              ? kafka.send(topic, partition.getAsInt(), dispatch.dispatchId(), json.write(dispatch))
              : kafka.send(topic, dispatch.dispatchId(), json.write(dispatch)));
        } else {
          sent.add(kafka.send(topic, dispatch.experimentId(), json.write(dispatch)));
        }
        meters.counter("weft.task.dispatches", "task.type", dispatch.taskType()).increment();
      }
      for (var control : controls) {
        sent.add(kafka.send(topics.taskControl(), control.experimentId(), json.write(control)));
      }
    } catch (RuntimeException e) {
      // the producer refused at once (closed, or its buffer full past max.block.ms)
      sent.add(CompletableFuture.failedFuture(e));
    }
    return CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new));
  }
}
