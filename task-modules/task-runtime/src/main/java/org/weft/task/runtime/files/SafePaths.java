package org.weft.task.runtime.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.weft.task.runtime.TaskFailure;

/**
 * Paths that come from task contexts are checked against the roots they must stay under: after
 * normalisation (no {@code ..} escapes) and after following symbolic links of the parts that
 * exist (no link out of the root).
 */
public final class SafePaths {

  private SafePaths() {}

  /**
   * @return the path, absolute and normalised, when it lies under one of the roots
   * @throws TaskFailure (not retryable) naming the path when it does not
   */
  public static Path under(List<Path> roots, String path, String what) {
    if (path == null || path.isBlank()) {
      throw TaskFailure.permanent(what + " is missing");
    }
    if (path.indexOf('\0') >= 0) {
      throw TaskFailure.permanent(what + " contains a NUL character");
    }
    Path candidate;
    try {
      candidate = Path.of(path);
    } catch (InvalidPathException e) {
      throw TaskFailure.permanent(what + " is not a valid path: " + path);
    }
    if (!candidate.isAbsolute()) {
      throw TaskFailure.permanent(what + " must be an absolute path: " + path);
    }
    var normal = candidate.normalize();
    var real = realOfExistingPart(normal);
    for (var root : roots) {
      var realRoot = realOfExistingPart(root.toAbsolutePath().normalize());
      if (normal.startsWith(root.toAbsolutePath().normalize()) && real.startsWith(realRoot)) {
        return normal;
      }
    }
    throw TaskFailure.permanent(what + " " + path + " is outside the allowed directories " + roots.stream()
        .map(root -> root.toAbsolutePath().normalize().toString()).toList());
  }

  /** The path with the symbolic links of its longest existing prefix followed. */
  static Path realOfExistingPart(Path path) {
    var existing = path;
    var rest = Path.of("");
    while (existing != null && !Files.exists(existing, LinkOption.NOFOLLOW_LINKS)) {
      rest = existing.getFileName().resolve(rest);
      existing = existing.getParent();
    }
    if (existing == null) {
      return path;
    }
    try {
      return existing.toRealPath().resolve(rest).normalize();
    } catch (IOException e) {
      // a dangling link: its target is unknown, so it is nowhere allowed
      return Path.of("/\0dangling");
    }
  }
}
