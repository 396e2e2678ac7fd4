package org.weft.task.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskResultTest {

  @Test
  void failedResultWithoutAReasonIsRefused() {
    assertThatIllegalArgumentException().isThrownBy(() -> new TaskResult(
        "d-1", "e-1", "t-1", 1, TaskResult.Status.FAILED, Map.of(), null, "w-1", Instant.now()));
  }

  @Test
  void outputsAreCopiedSoALaterChangeByTheSenderIsNotSeen() {
    var outputs = new HashMap<String, Object>(Map.of("path", "/a"));
    var result = new TaskResult("d-1", "e-1", "t-1", 1, TaskResult.Status.SUCCEEDED, outputs, null, "w-1", Instant.now());

    outputs.put("path", "/b");

    assertThat(result.outputs()).containsEntry("path", "/a");
  }

  @Test
  void onlyRunningIsNotFinal() {
    assertThat(TaskResult.Status.RUNNING.isFinal()).isFalse();
    assertThat(TaskResult.Status.SUCCEEDED.isFinal()).isTrue();
    assertThat(TaskResult.Status.FAILED.isFinal()).isTrue();
  }
}
