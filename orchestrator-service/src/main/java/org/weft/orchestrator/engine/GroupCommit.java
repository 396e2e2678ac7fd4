package org.weft.orchestrator.engine;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;

/**
 * Writes what concurrent callers hand in together, in one transaction, and returns to each caller
 * only once its own item is committed. Whoever holds the lock writes everything queued so far;
 * callers arriving meanwhile queue up and the next holder writes them all. A single caller pays
 * nothing extra; under a burst the commits, and the contention on shared nodes, are per batch. If a
 * batch fails, its items are written one by one, so one bad item fails only its own caller.
 */
public final class GroupCommit<T, R> {

  private record Pending<T, R>(T item, CompletableFuture<R> done) {}

  private final ConcurrentLinkedQueue<Pending<T, R>> queue = new ConcurrentLinkedQueue<>();
  private final ReentrantLock writer = new ReentrantLock();
  private final int maxBatch;
  private final Function<List<T>, List<R>> write;

  /**
   * @param write writes its items in one transaction and returns a result for each, in their order,
   *              or throws having written none of them
   */
  public GroupCommit(int maxBatch, Function<List<T>, List<R>> write) {
    this.maxBatch = maxBatch;
    this.write = write;
  }

  /** Returns once {@code item} is committed, with its result; throws what writing it threw. */
  public R submit(T item) {
    var pending = new Pending<T, R>(item, new CompletableFuture<>());
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
      return pending.done().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException cause ? cause : e;
    }
  }

  /** Items waiting for a writer. */
  int queued() {
    return queue.size();
  }

  private void writeQueued() {
    var batch = new ArrayList<Pending<T, R>>();
    Pending<T, R> next;
    while (batch.size() < maxBatch && (next = queue.poll()) != null) {
      batch.add(next);
    }
    if (batch.isEmpty()) {
      return;
    }
    try {
      var results = write.apply(batch.stream().map(Pending::item).toList());
      for (int i = 0; i < batch.size(); i++) {
        batch.get(i).done().complete(results.get(i));
      }
    } catch (RuntimeException e) {
      if (batch.size() == 1) {
        batch.get(0).done().completeExceptionally(e);
        return;
      }
      for (var pending : batch) {
        try {
          pending.done().complete(write.apply(List.of(pending.item())).get(0));
        } catch (RuntimeException single) {
          pending.done().completeExceptionally(single);
        }
      }
    }
  }
}
