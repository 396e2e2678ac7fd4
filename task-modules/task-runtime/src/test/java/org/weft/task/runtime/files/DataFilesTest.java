package org.weft.task.runtime.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.task.api.TaskDispatch;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;

class DataFilesTest {

  @TempDir
  Path root;

  private static TaskContext context(String verify, List<Map<String, Object>> inputs) {
    var data = new HashMap<String, Object>();
    data.put("inputs", inputs);
    if (verify != null) {
      data.put("verify", verify);
    }
    return new TaskContext(new TaskDispatch("d-1", "e-1", "e-1:read", "read", "output-staging", 1,
        Map.of("data", data), Instant.now()), "w-1");
  }

  private static Map<String, Object> expected(Path file, long size, String checksum) {
    var described = new HashMap<String, Object>(Map.of("uri", file.toString(), "resource", "local", "size", size));
    if (checksum != null) {
      described.put("checksum", checksum);
    }
    return described;
  }

  @Test
  void filesThatAreThereWithTheirSizeAndChecksumAreNotLost() throws Exception {
    var file = Files.writeString(root.resolve("map.txt"), "the 4\n");
    var check = new DataFiles(List.of(root), null);

    assertThat(check.lost(context("checksum", List.of(expected(file, 6, Checksums.sha256(file)))))).isEmpty();
  }

  @Test
  void aMissingFileOrOneOfAnotherSizeIsLostWithWhy() throws Exception {
    var shorter = Files.writeString(root.resolve("part-0"), "fox 1\n");
    var check = new DataFiles(List.of(root), null);

    assertThat(check.lost(context(null, List.of(expected(root.resolve("gone.txt"), 3, null), expected(shorter, 9, null)))))
        .extracting(DataFiles.Lost::reason).containsExactly("missing", "6 bytes, not 9");
  }

  @Test
  void aChangedFileOfTheSameSizeIsLostOnlyWhenChecksumsAreVerified() throws Exception {
    var file = Files.writeString(root.resolve("map.txt"), "the 4\n");
    var recorded = Checksums.sha256(file);
    Files.writeString(file, "the 5\n");
    var check = new DataFiles(List.of(root), null);

    assertThat(check.lost(context(null, List.of(expected(file, 6, recorded))))).isEmpty();
    assertThat(check.lost(context("checksum", List.of(expected(file, 6, recorded)))))
        .singleElement().satisfies(lost -> assertThat(lost.reason()).startsWith("changed: checksum sha256:")
            .endsWith(", not " + recorded));
  }

  @Test
  void aFileOutsideTheWorkersRootsOrOnAResourceItDoesNotKnowIsLeftToTheTask(@TempDir Path elsewhere) throws Exception {
    var check = new DataFiles(List.of(root), null);
    var remote = new HashMap<String, Object>(Map.of("uri", "/scratch/e-1/out", "resource", "cluster", "size", 3));

    assertThat(check.lost(context(null, List.of(expected(elsewhere.resolve("secret"), 3, null), remote)))).isEmpty();
  }

  @Test
  void aDispatchThatDescribesItsInputsWronglyFailsForGood() {
    var check = new DataFiles(List.of(root), null);

    assertThatThrownBy(() -> check.lost(context(null, List.of(Map.of("size", 3)))))
        .isInstanceOfSatisfying(TaskFailure.class, e -> {
          assertThat(e.retryable()).isFalse();
          assertThat(e.getMessage()).isEqualTo("each of the dispatch's data.inputs must be a file with a uri");
        });
    assertThatThrownBy(() -> check.lost(context(null, List.of(Map.of("uri", "/x", "checksum", "md5:1")))))
        .isInstanceOf(TaskFailure.class).hasMessageContaining("checksum must be sha256:");
  }

  @Test
  void deletingRemovesRegularFilesUnderTheRootsOnlyAndLeavesLinksAndDirectories(@TempDir Path elsewhere) throws Exception {
    var intermediate = Files.writeString(root.resolve("map.txt"), "the 4\n");
    var directory = Files.createDirectories(root.resolve("maps"));
    var target = Files.writeString(elsewhere.resolve("precious"), "keep\n");
    var link = Files.createSymbolicLink(root.resolve("link"), target);
    var outside = Files.writeString(elsewhere.resolve("other.txt"), "keep\n");
    var files = new DataFiles(List.of(root), null);

    int deleted = files.delete(List.of(file(intermediate), file(directory), file(link), file(outside),
        file(root.resolve("gone")), new org.weft.task.api.DataFile("/scratch/x", "cluster", null, null)));

    assertThat(deleted).isEqualTo(1);
    assertThat(intermediate).doesNotExist();
    assertThat(directory).isDirectory();
    assertThat(link).isSymbolicLink();
    assertThat(target).hasContent("keep");
    assertThat(outside).hasContent("keep");
  }

  private static org.weft.task.api.DataFile file(Path path) {
    return new org.weft.task.api.DataFile(path.toString(), "local", null, null);
  }
}
