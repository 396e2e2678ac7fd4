package org.weft.task.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.task.api.TaskResult;

class DispatchJournalTest {

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
}
