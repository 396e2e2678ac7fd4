package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.weft.orchestrator.model.StoredEvent;

class CommittedEventsTest {

  private final CommittedEvents outbox = new CommittedEvents();

  @AfterEach
  void noTransactionLeftOpen() {
    if (TransactionSynchronizationManager.isSynchronizationActive()) {
      TransactionSynchronizationManager.clearSynchronization();
    }
  }

  @Test
  void eventsWrittenOutsideATransactionAreReadyAtOnce() {
    outbox.reserve("e-1", List.of(event("e-1", 1), event("e-1", 2)));

    assertThat(outbox.takeReady()).extracting(StoredEvent::seq).containsExactly(1L, 2L);
    assertThat(outbox.holds("e-1")).isFalse();
  }

  @Test
  void eventsWaitForTheirTransactionToCommit() {
    var transaction = inTransaction(() -> outbox.reserve("e-1", List.of(event("e-1", 1))));

    assertThat(outbox.takeReady()).isEmpty();
    assertThat(outbox.holds("e-1")).isTrue();

    end(transaction, TransactionSynchronization.STATUS_COMMITTED);

    assertThat(outbox.takeReady()).extracting(StoredEvent::seq).containsExactly(1L);
  }

  @Test
  void eventsOfARolledBackTransactionAreNeverHandedOut() {
    var transaction = inTransaction(() -> outbox.reserve("e-1", List.of(event("e-1", 1))));

    end(transaction, TransactionSynchronization.STATUS_ROLLED_BACK);

    assertThat(outbox.takeReady()).isEmpty();
    assertThat(outbox.holds("e-1")).isFalse();
  }

  @Test
  void aLaterTransactionsEventsWaitForAnEarlierOneOfTheSameExperimentButNotForOthers() {
    var earlier = inTransaction(() -> outbox.reserve("e-1", List.of(event("e-1", 1))));
    var later = inTransaction(() -> {
      outbox.reserve("e-1", List.of(event("e-1", 2)));
      outbox.reserve("e-2", List.of(event("e-2", 1)));
    });

    end(later, TransactionSynchronization.STATUS_COMMITTED);
    assertThat(outbox.takeReady()).extracting(StoredEvent::experimentId).containsExactly("e-2");

    end(earlier, TransactionSynchronization.STATUS_COMMITTED);
    assertThat(outbox.takeReady()).extracting(StoredEvent::seq).containsExactly(1L, 2L);
  }

  @Test
  void theListenerHearsOfEveryCommitButNotOfARollback() {
    var heard = new AtomicInteger();
    outbox.onCommitted(heard::incrementAndGet);
    var committed = inTransaction(() -> outbox.reserve("e-1", List.of(event("e-1", 1))));
    var rolledBack = inTransaction(() -> outbox.reserve("e-2", List.of(event("e-2", 1))));

    end(committed, TransactionSynchronization.STATUS_COMMITTED);
    end(rolledBack, TransactionSynchronization.STATUS_ROLLED_BACK);

    assertThat(heard).hasValue(1);
    assertThat(outbox.size()).isEqualTo(1);
  }

  /** Runs work as if in a transaction, and returns the synchronizations it registered. */
  private static List<TransactionSynchronization> inTransaction(Runnable work) {
    TransactionSynchronizationManager.initSynchronization();
    try {
      work.run();
      return TransactionSynchronizationManager.getSynchronizations();
    } finally {
      TransactionSynchronizationManager.clearSynchronization();
    }
  }

  private static void end(List<TransactionSynchronization> transaction, int status) {
    transaction.forEach(synchronization -> synchronization.afterCompletion(status));
  }

  private static StoredEvent event(String experimentId, long seq) {
    return new StoredEvent(experimentId, seq, java.time.Instant.now(), "task.state", "t", "RUNNING", null);
  }
}
