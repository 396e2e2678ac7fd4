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
  void aResultFromAWorkerThatNamesNoFilesHasEmptyLists() {
    var result = new TaskResult("d-1", "e-1", "t-1", 1, TaskResult.Status.SUCCEEDED, Map.of(), null, "w-1",
        Instant.now(), null, null);

    assertThat(result.produced()).isEmpty();
    assertThat(result.consumed()).isEmpty();
  }

  @Test
  void aDataFileIsOnTheLocalResourceUnlessItNamesOneAndNeedsAUri() {
    assertThat(new DataFile("/w/e-1/in.dat", null, 3L, null).resource()).isEqualTo("local");
    assertThat(new DataFile("/scratch/in.dat", "hpc1", null, null).resource()).isEqualTo("hpc1");
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile(" ", "local", null, null));
  }

  @Test
  void aDataFileRefusesANegativeSizeAChecksumThatIsNoSha256AndAResourceThatIsNoName() {
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile("/a", "local", -1L, null));
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile("/a", "local", 1L, "not-a-checksum"));
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile("/a", "../etc", 1L, null));
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile("/" + "a".repeat(DataFile.MAX_URI), "local", 1L, null));
    assertThat(new DataFile("/a", "hpc1", 0L, "sha256:" + "ab".repeat(32)).checksum()).hasSize(71);
    assertThatIllegalArgumentException().isThrownBy(() -> new DataFile("/a", "local", 1L, "ab".repeat(32)));
  }

  @Test
  void aResultNamingMoreFilesThanItsLimitIsRefused() {
    var files = java.util.stream.IntStream.rangeClosed(0, TaskResult.MAX_FILES)
        .mapToObj(i -> new DataFile("/f" + i, "local", null, null)).toList();

    assertThatIllegalArgumentException().isThrownBy(() -> new TaskResult("d-1", "e-1", "t-1", 1,
        TaskResult.Status.SUCCEEDED, Map.of(), null, "w-1", Instant.now(), files, null));
  }

  @Test
  void onlyRunningIsNotFinal() {
    assertThat(TaskResult.Status.RUNNING.isFinal()).isFalse();
    assertThat(TaskResult.Status.SUCCEEDED.isFinal()).isTrue();
    assertThat(TaskResult.Status.FAILED.isFinal()).isTrue();
  }
}
