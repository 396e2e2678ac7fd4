package org.weft.task.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.task.api.TaskResult;
import tools.jackson.databind.json.JsonMapper;

class DispatchJournalTest {

  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final DispatchJournal.Codec CODEC =
      new DispatchJournal.Codec(JSON::writeValueAsString, line -> JSON.readValue(line, TaskResult.class));

  private static TaskResult result(String dispatchId) {
    return new TaskResult(dispatchId, "e", "e:t", 1, TaskResult.Status.SUCCEEDED, Map.of(), null, "w", Instant.now());
  }

  @Test
  void aRepeatedDispatchIdRunsOnceAndThenGetsItsEarlierResult() {
    var journal = new DispatchJournal(10);
    assertThat(journal.admit("d1")).isInstanceOf(DispatchJournal.Admission.Run.class);
    assertThat(journal.admit("d1")).isInstanceOf(DispatchJournal.Admission.AlreadyRunning.class);
    var result = result("d1");
    journal.finish("d1", result);
    assertThat(journal.admit("d1")).isEqualTo(new DispatchJournal.Admission.AlreadyDone(result));
    assertThat(journal.running()).isZero();
  }

  @Test
  void aHandedBackDispatchMayRunAgain() {
    var journal = new DispatchJournal(10);
    journal.admit("d1");
    journal.abandon("d1");
    assertThat(journal.admit("d1")).isInstanceOf(DispatchJournal.Admission.Run.class);
  }

  @Test
  void remembersOnlyTheLastFinished() {
    var journal = new DispatchJournal(2);
    for (var id : new String[] {"a", "b", "c"}) {
      journal.admit(id);
      journal.finish(id, result(id));
    }
    assertThat(journal.result("a")).isEmpty();
    assertThat(journal.result("c")).isPresent();
  }

  @Test
  void whatRanAndWhatWasRunningOutliveTheProcess(@TempDir Path dir) {
    var file = dir.resolve("journal-x.log");
    var first = new DispatchJournal(10, file, CODEC);
    first.admit("done");
    var result = result("done");
    first.finish("done", result);
    first.admit("cut-short");
    first.admit("handed-back");
    first.abandon("handed-back");
    first.close(); // a killed process closes nothing, but its appends are in the file all the same

    var second = new DispatchJournal(10, file, CODEC);

    assertThat(second.admit("done")).isInstanceOf(DispatchJournal.Admission.AlreadyDone.class);
    assertThat(((DispatchJournal.Admission.AlreadyDone) second.admit("done")).result().dispatchId()).isEqualTo("done");
    assertThat(second.admit("cut-short")).isInstanceOf(DispatchJournal.Admission.Interrupted.class);
    assertThat(second.admit("handed-back")).isInstanceOf(DispatchJournal.Admission.Run.class);
    second.close();
  }

  @Test
  void anInterruptedDispatchReadmittedRunsOnceMoreAndIsJournaledAsRunning(@TempDir Path dir) {
    var file = dir.resolve("journal-x.log");
    var first = new DispatchJournal(10, file, CODEC);
    first.admit("cut-short");
    first.close();
    var second = new DispatchJournal(10, file, CODEC);
    assertThat(second.admit("cut-short")).isInstanceOf(DispatchJournal.Admission.Interrupted.class);

    second.readmit("cut-short");

    assertThat(second.admit("cut-short")).isInstanceOf(DispatchJournal.Admission.AlreadyRunning.class);
    second.finish("cut-short", result("cut-short"));
    second.close();
    var third = new DispatchJournal(10, file, CODEC);
    assertThat(third.admit("cut-short")).isInstanceOf(DispatchJournal.Admission.AlreadyDone.class);
    third.close();
  }

  @Test
  void aLineCutShortByAKillIsSkipped(@TempDir Path dir) throws Exception {
    var file = dir.resolve("journal-x.log");
    var first = new DispatchJournal(10, file, CODEC);
    first.admit("d1");
    first.finish("d1", result("d1"));
    first.close();
    Files.writeString(file, "D {\"dispatchId\": \"d2\", \"exp", StandardCharsets.UTF_8, StandardOpenOption.APPEND);

    var second = new DispatchJournal(10, file, CODEC);

    assertThat(second.admit("d1")).isInstanceOf(DispatchJournal.Admission.AlreadyDone.class);
    assertThat(second.admit("d2")).isInstanceOf(DispatchJournal.Admission.Run.class);
    second.close();
  }

  @Test
  void theFileIsCompactedToWhatIsRemembered(@TempDir Path dir) throws Exception {
    var file = dir.resolve("journal-x.log");
    var journal = new DispatchJournal(5, file, CODEC);
    for (int i = 0; i < 5_000; i++) {
      journal.admit("d" + i);
      journal.finish("d" + i, result("d" + i));
    }
    journal.close();

    assertThat(Files.readAllLines(file)).hasSizeLessThan(2 * 4 * 1000 + 20);
    var reopened = new DispatchJournal(5, file, CODEC);
    assertThat(Files.readAllLines(file)).hasSize(5);
    assertThat(reopened.admit("d4999")).isInstanceOf(DispatchJournal.Admission.AlreadyDone.class);
    assertThat(reopened.admit("d0")).isInstanceOf(DispatchJournal.Admission.Run.class);
    reopened.close();
  }

  @Test
  void twoWorkersStartedFromOneDirectoryKeepAJournalEach(@TempDir Path dir) {
    var first = DispatchJournal.open(10, dir, "x", CODEC);
    var second = DispatchJournal.open(10, dir, "x", CODEC);
    first.admit("d1");
    first.finish("d1", result("d1"));

    assertThat(second.admit("d1")).isInstanceOf(DispatchJournal.Admission.Run.class);
    assertThat(dir.resolve("journal-x.log")).exists();
    assertThat(dir.resolve("journal-x-2.log")).exists();
    assertThatThrownBy(() -> new DispatchJournal(10, dir.resolve("journal-x.log"), CODEC))
        .isInstanceOf(DispatchJournal.InUseException.class);
    first.close();
    second.close();
  }

  @Test
  void workersStartingAtOnceFromOneDirectoryNeverShareAJournalWhileOneCompactsIt(@TempDir Path dir) throws Exception {
    // compaction at open swaps the journal file for a new one; the lock must not go with the old one
    for (int round = 0; round < 5; round++) {
      var start = new java.util.concurrent.CountDownLatch(1);
      var pool = java.util.concurrent.Executors.newFixedThreadPool(6);
      try {
        var opened = new java.util.ArrayList<java.util.concurrent.Future<DispatchJournal>>();
        for (int i = 0; i < 6; i++) {
          opened.add(pool.submit(() -> {
            start.await();
            return DispatchJournal.open(10, dir, "x", CODEC);
          }));
        }
        start.countDown();
        var journals = new java.util.ArrayList<DispatchJournal>();
        for (var future : opened) {
          journals.add(future.get(30, java.util.concurrent.TimeUnit.SECONDS));
        }
        for (int i = 0; i < journals.size(); i++) {
          journals.get(i).admit("d" + round + "-" + i);
        }
        journals.forEach(DispatchJournal::close);
      } finally {
        pool.shutdownNow();
      }
    }
    try (var files = java.nio.file.Files.list(dir)) {
      assertThat(files.map(f -> f.getFileName().toString()).filter(name -> name.endsWith(".log")))
          .containsExactlyInAnyOrder("journal-x.log", "journal-x-2.log", "journal-x-3.log", "journal-x-4.log",
              "journal-x-5.log", "journal-x-6.log");
    }
  }
}
