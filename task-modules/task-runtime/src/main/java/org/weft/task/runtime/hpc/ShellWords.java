package org.weft.task.runtime.hpc;

import java.util.List;
import java.util.stream.Collectors;

/**
 * Quoting for the POSIX shell that runs batch scripts and remote commands. Every word is put in
 * single quotes, inside which the shell interprets nothing ({@code $}, backquotes, {@code \},
 * globs, newlines); a single quote itself closes the quotes, adds an escaped quote and reopens
 * them. So any text reaches the program as exactly one argument, as written.
 */
public final class ShellWords {

  private ShellWords() {}

  /** @throws IllegalArgumentException for a NUL character, which no argument of a process can hold */
  public static String quote(String word) {
    if (word.indexOf('\0') >= 0) {
      throw new IllegalArgumentException("an argument cannot contain a NUL character");
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  public static String join(List<String> words) {
    return words.stream().map(ShellWords::quote).collect(Collectors.joining(" "));
  }
}
