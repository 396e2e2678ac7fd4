package org.weft.orchestrator.graph;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.weft.orchestrator.model.StoredEvent;

/**
 * The in-memory side of the {@link EventOutbox}: the audit events this instance wrote, from their
 * transaction's commit until they are published, so that publishing them needs no read.
 *
 * <p>Events are reserved in the transaction that writes them, right after the statement that gave
 * them their sequence numbers. That statement holds the experiment's write lock until the commit,
 * so a later transaction's events for the same experiment are reserved after these: reservation
 * order is sequence order. A chunk is released at its transaction's commit and dropped at its
 * rollback, and {@link #takeReady} hands out only what no reserved chunk precedes, so each
 * experiment's events leave in order even when their transactions commit on different threads.
 */
final class CommittedEvents {

  private enum Stage { RESERVED, COMMITTED, ROLLED_BACK }

  private static final class Chunk {
    private final List<StoredEvent> events;
    private Stage stage = Stage.RESERVED;

    private Chunk(List<StoredEvent> events) {
      this.events = events;
    }
  }

  /** Guarded by {@code this}; an experiment's chunks in sequence order. */
  private final Map<String, ArrayDeque<Chunk>> chunks = new HashMap<>();
  private volatile Runnable onCommitted = () -> { };

  /** Called (on the committing thread) whenever events become ready to publish. */
  void onCommitted(Runnable listener) {
    this.onCommitted = listener;
  }

  /**
   * Holds one experiment's events, just written in the current transaction, until it ends: they
   * become ready at its commit and are forgotten at its rollback. Outside a transaction the
   * statement has committed already, and they are ready at once.
   */
  void reserve(String experimentId, List<StoredEvent> events) {
    var chunk = new Chunk(List.copyOf(events));
    synchronized (this) {
      chunks.computeIfAbsent(experimentId, id -> new ArrayDeque<>()).add(chunk);
    }
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
        @Override
        public void afterCompletion(int status) {
          complete(chunk, status == STATUS_COMMITTED);
        }
      });
    } else {
      complete(chunk, true);
    }
  }

  private void complete(Chunk chunk, boolean committed) {
    synchronized (this) {
      chunk.stage = committed ? Stage.COMMITTED : Stage.ROLLED_BACK;
    }
    if (committed) {
      onCommitted.run();
    }
  }

  /**
   * Takes every committed event that no reserved one precedes, each experiment's in sequence order.
   */
  synchronized List<StoredEvent> takeReady() {
    var ready = new ArrayList<StoredEvent>();
    var experiments = chunks.values().iterator();
    while (experiments.hasNext()) {
      var queue = experiments.next();
      while (!queue.isEmpty() && queue.peek().stage != Stage.RESERVED) {
        var chunk = queue.poll();
        if (chunk.stage == Stage.COMMITTED) {
          ready.addAll(chunk.events);
        }
      }
      if (queue.isEmpty()) {
        experiments.remove();
      }
    }
    return ready;
  }

  /** Whether events of the experiment are held here, waiting for their commit or for the publisher. */
  synchronized boolean holds(String experimentId) {
    return chunks.containsKey(experimentId);
  }

  /** Events held, waiting for their commit or for the publisher. */
  synchronized int size() {
    return chunks.values().stream().flatMap(ArrayDeque::stream).filter(chunk -> chunk.stage != Stage.ROLLED_BACK)
        .mapToInt(chunk -> chunk.events.size()).sum();
  }
}
