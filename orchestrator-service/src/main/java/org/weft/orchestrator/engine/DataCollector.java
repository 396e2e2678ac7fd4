package org.weft.orchestrator.engine;

import jakarta.annotation.PreDestroy;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.graph.DataCollection;
import org.weft.orchestrator.messaging.TaskDispatcher;
import org.weft.task.api.TaskControl;

/**
 * Collects the files completed experiments keep no more ({@link DataCollection}), on a thread of
 * its own, after experiments end and once at start for those a crash left. One run at a time, and
 * at most one more waiting: ends that come while it runs are covered by the next.
 */
@Component
class DataCollector {

  private static final Logger log = LoggerFactory.getLogger(DataCollector.class);
  private static final int BATCH = 50;

  private final DataCollection collection;
  private final TaskDispatcher dispatcher;
  private final TransactionTemplate transactions;
  private final ExecutorService collecting = Executors.newSingleThreadExecutor(r -> {
    var thread = new Thread(r, "weft-data-collector");
    thread.setDaemon(true);
    return thread;
  });
  private final AtomicBoolean queued = new AtomicBoolean();

  DataCollector(DataCollection collection, TaskDispatcher dispatcher, TransactionTemplate transactions) {
    this.collection = collection;
    this.dispatcher = dispatcher;
    this.transactions = transactions;
  }

  @EventListener(ApplicationReadyEvent.class)
  void atStart() {
    schedule();
  }

  @EventListener
  void onEnded(SubWorkflows.Ended ended) {
    schedule();
  }

  private void schedule() {
    if (!queued.compareAndSet(false, true)) {
      return;
    }
    try {
      collecting.execute(() -> {
        queued.set(false);
        try {
          collectPending();
        } catch (RuntimeException e) {
          log.warn("Could not collect the files of completed experiments; trying again when the next ends: {}",
              e.toString());
        }
      });
    } catch (RejectedExecutionException stopping) {
      queued.set(false);
    }
  }

  private void collectPending() {
    List<String> pending;
    do {
      pending = transactions.execute(status -> collection.pending(BATCH));
      for (var experimentId : pending) {
        List<TaskControl> commands = transactions.execute(status -> collection.collect(experimentId));
        if (commands.isEmpty()) {
          continue;
        }
        int files = commands.stream().mapToInt(command -> command.files().size()).sum();
        dispatcher.sendAsync(List.of(), commands).whenComplete((ignored, failure) -> {
          if (failure != null) {
            log.warn("Kafka did not take the deletion of {} files of experiment {}; they are left: {}", files,
                experimentId, failure.toString());
          } else {
            log.info("Experiment {} keeps {} files no more: their deletion is sent", experimentId, files);
          }
        });
      }
    } while (pending.size() == BATCH);
  }

  @PreDestroy
  void stop() {
    collecting.shutdown();
  }
}
