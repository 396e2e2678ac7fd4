package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** The shell commands the README gives, run as a user pasting them would. */
public final class Readme {

  private Readme() {}

  /**
   * The commands of the {@code bash} blocks in the README's section {@code title}, one per entry:
   * continued lines joined, comment lines left out.
   */
  public static List<String> commands(String title) throws IOException {
    var text = Files.readString(Path.of(System.getProperty("weft.readme", "../README.md")));
    int start = text.indexOf("\n## " + title + "\n");
    if (start < 0) {
      throw new IllegalStateException("The README has no section '" + title + "'");
    }
    int end = text.indexOf("\n## ", start + 1);
    var section = text.substring(start, end < 0 ? text.length() : end);
    var commands = new ArrayList<String>();
    var current = new StringBuilder();
    boolean inBlock = false;
    for (var line : section.split("\n", -1)) {
      if (line.startsWith("```")) {
        inBlock = line.equals("```bash");
        continue;
      }
      if (!inBlock || (current.isEmpty() && (line.isBlank() || line.startsWith("#")))) {
        continue;
      }
      current.append(line).append('\n');
      // a command goes on after a trailing backslash or while a double-quoted string is open
      if (!line.endsWith("\\") && current.chars().filter(c -> c == '"').count() % 2 == 0) {
        commands.add(current.toString().strip());
        current.setLength(0);
      }
    }
    return commands;
  }

  /** Runs one command with bash in {@code dir} and returns what it printed; fails unless it exits 0. */
  public static String run(String command, Path dir) throws IOException, InterruptedException {
    var process = new ProcessBuilder("bash", "-c", command).directory(dir.toFile()).redirectErrorStream(true).start();
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("Still running after a minute: " + command);
    }
    var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (process.exitValue() != 0) {
      throw new AssertionError("Exit " + process.exitValue() + " from: " + command + "\n" + output);
    }
    return output;
  }
}
