package org.weft.task.runtime.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.task.runtime.TaskFailure;

class SafePathsTest {

  @TempDir
  Path root;

  @TempDir
  Path elsewhere;

  @Test
  void acceptsPathsUnderTheRootExistingOrNot() throws Exception {
    Files.createDirectories(root.resolve("a"));
    assertThat(SafePaths.under(List.of(root), root.resolve("a/b.txt").toString(), "input"))
        .isEqualTo(root.resolve("a/b.txt"));
    assertThat(SafePaths.under(List.of(root), root.resolve("new/dir").toString(), "input"))
        .isEqualTo(root.resolve("new/dir"));
  }

  @Test
  void refusesDotDotEscapes() {
    assertThatThrownBy(() -> SafePaths.under(List.of(root), root + "/a/../../etc/passwd", "input"))
        .isInstanceOf(TaskFailure.class)
        .hasMessageContaining("is outside the allowed directories");
  }

  @Test
  void refusesAbsolutePathsElsewhereAndRelativePaths() {
    assertThatThrownBy(() -> SafePaths.under(List.of(root), "/etc/passwd", "input"))
        .hasMessageContaining("/etc/passwd is outside the allowed directories");
    assertThatThrownBy(() -> SafePaths.under(List.of(root), "a/b", "input"))
        .hasMessage("input must be an absolute path: a/b");
    assertThatThrownBy(() -> SafePaths.under(List.of(root), null, "input")).hasMessage("input is missing");
  }

  @Test
  void refusesASymbolicLinkOutOfTheRoot() throws Exception {
    Files.writeString(elsewhere.resolve("secret"), "x");
    Files.createSymbolicLink(root.resolve("link"), elsewhere);
    assertThatThrownBy(() -> SafePaths.under(List.of(root), root.resolve("link/secret").toString(), "input"))
        .hasMessageContaining("is outside the allowed directories");
  }

  @Test
  void acceptsASymbolicLinkThatStaysInside() throws Exception {
    Files.createDirectories(root.resolve("real"));
    Files.createSymbolicLink(root.resolve("alias"), root.resolve("real"));
    assertThat(SafePaths.under(List.of(root), root.resolve("alias/x").toString(), "input")).isNotNull();
  }
}
