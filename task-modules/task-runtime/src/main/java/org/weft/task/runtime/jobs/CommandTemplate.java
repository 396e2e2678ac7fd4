package org.weft.task.runtime.jobs;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;
import java.util.regex.Pattern;
import org.weft.task.runtime.TaskFailure;

/**
 * Turns a node's {@code command.template} (already resolved by the orchestrator, whose dispatch
 * holds the final text) into an argument list. Each element is one argument exactly, whatever
 * characters it holds; nothing goes through a shell. A Weft reference left unresolved
 * ({@code ${inputs.…}} or {@code ${tasks.…}}) means an upstream task did not produce the output the
 * template names; any other {@code ${…}} is the program's own text.
 */
public final class CommandTemplate {

  private static final Pattern UNRESOLVED = Pattern.compile("\\$\\{((?:inputs|tasks)\\.[^}]*)}");
  private static final Pattern PROGRAM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");

  private CommandTemplate() {}

  /** @throws TaskFailure (not retryable) for a missing, malformed or unresolved template */
  public static List<String> render(Object template) {
    if (!(template instanceof List<?> elements) || elements.isEmpty()) {
      throw TaskFailure.permanent("the node has no command template (command.template must be a non-empty list)");
    }
    var argv = new ArrayList<String>(elements.size());
    for (int i = 0; i < elements.size(); i++) {
      var element = elements.get(i);
      if (element instanceof Map<?, ?> || element instanceof List<?> || element == null) {
        throw TaskFailure.permanent("command.template[%d] must be a string or a number".formatted(i));
      }
      var text = element.toString();
      var unresolved = UNRESOLVED.matcher(text);
      if (unresolved.find()) {
        throw TaskFailure.permanent("command.template[%d] references an unknown variable ${%s}".formatted(i,
            unresolved.group(1)));
      }
      if (text.indexOf('\0') >= 0) {
        throw TaskFailure.permanent("command.template[%d] contains a NUL character".formatted(i));
      }
      argv.add(text);
    }
    return argv;
  }

  /**
   * Checks the arguments that name files against the directories the job may use, so that a
   * template (or an input it takes in) cannot point a program at another experiment's files or the
   * machine's own. An argument names a file when it is an absolute path, a {@code file:} URI, a
   * relative path with a {@code ..} segment, or the same after the {@code =} of an option
   * ({@code --out=/data/x}, {@code if=/dev/sda}); other arguments are left as they are.
   *
   * @param check given each such path and the field it came from ({@code command.template[3]});
   *              throws a {@link TaskFailure} for a path outside
   */
  public static void checkPaths(List<String> argv, BiConsumer<String, String> check) {
    for (int i = 1; i < argv.size(); i++) {
      var path = pathIn(argv.get(i));
      if (path != null) {
        check.accept(path, "command.template[%d]".formatted(i));
      }
    }
  }

  /** The path an argument names, or null when it names none. */
  static String pathIn(String argument) {
    int equals = argument.indexOf('=');
    var value = argument;
    if (equals > 0 && equals < argument.length() - 1) {
      var after = argument.substring(equals + 1);
      if (namesPath(after)) {
        value = after;
      }
    }
    if (!namesPath(value)) {
      return null;
    }
    if (value.regionMatches(true, 0, "file:", 0, 5)) {
      try {
        return Path.of(URI.create(value)).toString();
      } catch (IllegalArgumentException | java.nio.file.FileSystemNotFoundException e) {
        throw TaskFailure.permanent("'" + value + "' is not a file URI");
      }
    }
    return value;
  }

  private static boolean namesPath(String value) {
    return value.startsWith("/") || value.regionMatches(true, 0, "file:", 0, 5)
        || Arrays.asList(value.split("/")).contains("..");
  }

  /**
   * The program of argv[0], looked up in the allowed program directories only: a bare name, or an
   * absolute path inside one of them.
   *
   * @throws TaskFailure (not retryable) when it is not there or not executable
   */
  public static Path program(String name, List<Path> programDirs) {
    if (name.startsWith("/")) {
      var path = Path.of(name).normalize();
      for (var dir : programDirs) {
        var root = dir.toAbsolutePath().normalize();
        if (path.startsWith(root) && Files.isRegularFile(path) && Files.isExecutable(path)) {
          return path;
        }
      }
      throw TaskFailure.permanent("program " + name + " is not an executable inside the allowed program directories");
    }
    if (!PROGRAM_NAME.matcher(name).matches()) {
      throw TaskFailure.permanent("program name '" + name + "' is not a plain file name");
    }
    for (var dir : programDirs) {
      var candidate = dir.toAbsolutePath().normalize().resolve(name);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return candidate;
      }
    }
    throw TaskFailure.permanent("program '" + name + "' is not in the program directories " + programDirs.stream()
        .map(dir -> dir.toAbsolutePath().normalize().toString()).toList());
  }
}
