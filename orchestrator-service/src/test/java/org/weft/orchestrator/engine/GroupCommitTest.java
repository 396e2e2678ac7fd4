package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class GroupCommitTest {

  @Test
  void aLoneItemIsWrittenAtOnceByItsOwnCallerWhoGetsItsResult() {
    var batches = new ArrayList<List<Integer>>();
    var commits = new GroupCommit<Integer, Integer>(10, batch -> {
      batches.add(batch);
      return batch.stream().map(item -> item * 10).toList();
    });

    assertThat(commits.submit(1)).isEqualTo(10);
    assertThat(batches).containsExactly(List.of(1));
  }

  @Test
  void itemsArrivingWhileABatchIsWrittenAreWrittenTogetherAndEachCallerReturnsOnlyOnceItsItemIsWithItsOwnResult()
      throws Exception {
    var written = Collections.synchronizedList(new ArrayList<Integer>());
    var batches = new CopyOnWriteArrayList<List<Integer>>();
    var firstBatchStarted = new CountDownLatch(1);
    var releaseFirstBatch = new CountDownLatch(1);
    var commits = new GroupCommit<Integer, Integer>(100, batch -> {
      batches.add(batch);
      if (batch.contains(0)) {
        firstBatchStarted.countDown();
        await(releaseFirstBatch);
      }
      written.addAll(batch);
      return batch.stream().map(item -> -item).toList();
    });
    var pool = Executors.newFixedThreadPool(9);
    try {
      var first = pool.submit(() -> commits.submit(0));
      await(firstBatchStarted);
      var others = new ArrayList<Future<?>>();
      for (int i = 1; i <= 8; i++) {
        int item = i;
        others.add(pool.submit(() -> {
          assertThat(commits.submit(item)).isEqualTo(-item);
          // returning means committed
          assertThat(written).contains(item);
        }));
      }
      // the eight wait behind the first batch's writer, then one of them writes them all
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10)).until(() -> commits.queued() == 8);
      releaseFirstBatch.countDown();
      first.get(10, TimeUnit.SECONDS);
      for (var other : others) {
        other.get(10, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    assertThat(written).containsExactlyInAnyOrder(0, 1, 2, 3, 4, 5, 6, 7, 8);
    assertThat(batches.size()).isLessThan(9);
  }

  @Test
  void aFailingItemFailsOnlyItsOwnCaller() throws Exception {
    var written = new CopyOnWriteArrayList<Integer>();
    var gate = new CountDownLatch(1);
    var commits = new GroupCommit<Integer, Integer>(100, batch -> {
      if (batch.contains(0)) {
        await(gate);
      }
      if (batch.contains(13)) {
        throw new IllegalArgumentException("13 is refused");
      }
      written.addAll(batch);
      return batch;
    });
    var pool = Executors.newFixedThreadPool(4);
    try {
      var first = pool.submit(() -> commits.submit(0));
      var good = pool.submit(() -> commits.submit(1));
      var bad = pool.submit(() -> commits.submit(13));
      var alsoGood = pool.submit(() -> commits.submit(2));
      gate.countDown();
      first.get(10, TimeUnit.SECONDS);
      assertThat(good.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(alsoGood.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThatIllegalArgumentException().isThrownBy(() -> {
        try {
          bad.get(10, TimeUnit.SECONDS);
        } catch (java.util.concurrent.ExecutionException e) {
          throw e.getCause();
        }
      }).withMessage("13 is refused");
    } finally {
      pool.shutdownNow();
    }
    assertThat(written).containsExactlyInAnyOrder(0, 1, 2);
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
