package org.weft.orchestrator.engine;

import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.function.Predicate;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;

/**
 * Dispatches and commands whose transaction committed but that Kafka did not take. They are sent
 * again, with their own dispatch ids, until Kafka takes them or this instance no longer owns their
 * experiment (its new owner sends them again when it takes the experiment in hand). Without this an
 * attempt would wait for its heartbeat timeout.
 */
final class Unsent {

  /** What one change had to send. */
  record Sends(List<TaskDispatch> dispatches, List<TaskControl> controls) {}

  /** Sends, or throws having perhaps sent some (a repeat changes nothing for a worker). */
  interface Sender {
    void send(List<TaskDispatch> dispatches, List<TaskControl> controls);
  }

  private final ConcurrentLinkedDeque<Sends> queue = new ConcurrentLinkedDeque<>();

  void add(List<TaskDispatch> dispatches, List<TaskControl> controls) {
    queue.add(new Sends(List.copyOf(dispatches), List.copyOf(controls)));
  }

  int size() {
    return queue.size();
  }

  boolean isEmpty() {
    return queue.isEmpty();
  }

  /**
   * Sends what is waiting, oldest first, stopping at the first failure (Kafka is still away); drops
   * what concerns experiments no longer {@code owned}.
   *
   * @return how many changes were sent
   */
  int resend(Sender sender, Predicate<String> owned) {
    int sent = 0;
    Sends next;
    while ((next = queue.poll()) != null) {
      var dispatches = next.dispatches().stream().filter(dispatch -> owned.test(dispatch.experimentId())).toList();
      var controls = next.controls().stream().filter(control -> owned.test(control.experimentId())).toList();
      try {
        sender.send(dispatches, controls);
        sent++;
      } catch (RuntimeException e) {
        queue.addFirst(new Sends(dispatches, controls));
        throw e;
      }
    }
    return sent;
  }
}
