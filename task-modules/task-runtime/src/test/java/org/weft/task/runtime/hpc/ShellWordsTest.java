package org.weft.task.runtime.hpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class ShellWordsTest {

  @ParameterizedTest
  @ValueSource(strings = {"plain", "", "it's", "''", "$(id)", "`id`", "${HOME}", "$HOME", "two\nlines", "*", "?",
      "[a-z]", "~", "a\\b", "\"q\"", "; rm -rf /", "| cat", "&& true", "tab\there", " leading space", "é ü 漢字",
      "'\"'\"'", "\\'"})
  void anyWordReachesAProgramThroughTheShellExactlyAsWritten(String word) throws Exception {
    var process = new ProcessBuilder("/bin/sh", "-c", "printf '<%s>' " + ShellWords.quote(word)).start();
    var printed = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    process.waitFor();

    assertThat(printed).isEqualTo("<" + word + ">");
  }

  @Test
  void wordsJoinedStayApart() throws Exception {
    var words = List.of("a b", "c'd", "");
    var process = new ProcessBuilder("/bin/sh", "-c", "printf '<%s>' " + ShellWords.join(words)).start();

    assertThat(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8)).isEqualTo("<a b><c'd><>");
  }

  @Test
  void aNulCharacterIsRefused() {
    assertThatThrownBy(() -> ShellWords.quote("a\0b")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("NUL");
  }
}
