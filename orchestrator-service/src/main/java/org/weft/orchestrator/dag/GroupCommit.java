package org.weft.orchestrator.dag;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * Writes what concurrent callers hand in together, in one transaction, and returns to each caller
 * only once its own item is committed. Whoever holds the lock writes everything queued so far;
 * callers arriving meanwhile queue up and the next holder writes them all. A single caller pays
 * nothing extra; under a burst the commits, and the contention on shared nodes, are per batch. If a
 * batch fails, its items are written one by one, so one bad item fails only its own caller.
 */
final class GroupCommit<T> {

  private record Pending<T>(T item, CompletableFuture<Void> done) {}

  private final ConcurrentLinkedQueue<Pending<T>> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock writer = new ReentrantLock();
  private final int maxBatch;
  private final Consumer<List<T>> write;

  /** @param write writes its items in one transaction, or throws having written none of them */
  GroupCommit(int maxBatch, Consumer<List<T>> write) {
    this.maxBatch = maxBatch;
    this.write = write;
  }

  /** Returns once {@code item} is committed; throws what writing it threw. */
  void submit(T item) {
    var pending = new Pending<>(item, new CompletableFuture<Void>());
    queue.add(pending);
    while (!pending.done().isDone()) {
      writer.lock();
      try {
        if (!pending.done().isDone()) {
          writeQueued();
        }
      } finally {
        writer.unlock();
      }
    }
    try {
      pending.done().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  /** Items waiting for a writer. */
  int queued() {
    return queue.size();
  }

  private void writeQueued() {
    var batch = new ArrayList<Pending<T>>();
    Pending<T> next;
    while (batch.size() < maxBatch && (next = queue.poll()) != null) {
      batch.add(next);
    }
    if (batch.isEmpty()) {
      return;
    }
    try {
      write.accept(batch.stream().map(Pending::item).toList());
      batch.forEach(pending -> pending.done().complete(null));
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        batch.get(0).done().completeExceptionally(e);
        return;
      }
      for (var pending : batch) {
        try {
          write.accept(List.of(pending.item()));
          pending.done().complete(null);
        } catch (RuntimeException single) {
          pending.done().completeExceptionally(single);
        }
      }
    }
  }
}
