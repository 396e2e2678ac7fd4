package org.weft.task.runtime.files;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.weft.task.api.DataFile;
import org.weft.task.api.TaskResult;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.hpc.ComputeResources;

/**
 * The local files a template names for a job's lineage ({@code params.inputs} of a job
 * submission, {@code params.outputs} of its monitoring): each entry a file, a directory (every
 * regular file under it) or a glob in its last segment ({@code …/part-*}), all under the allowed
 * roots. What does not exist names nothing.
 */
public final class DeclaredFiles {

  private DeclaredFiles() {}

  /** The files {@code declared} (a list of strings, or null for none), with size and SHA-256. */
  public static List<DataFile> local(List<Path> roots, Object declared, String field) throws IOException {
    if (declared == null) {
      return List.of();
    }
    if (!(declared instanceof List<?> entries) || !entries.stream().allMatch(e -> e instanceof String s && !s.isBlank())) {
      throw TaskFailure.permanent(field + " must be a list of paths");
    }
    var files = new ArrayList<Path>();
    for (var entry : entries) {
      var text = (String) entry;
      int slash = text.lastIndexOf('/');
      var name = text.substring(slash + 1);
      if (slash > 0 && name.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
        var directory = SafePaths.under(roots, text.substring(0, slash), field);
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
        if (Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
          try (Stream<Path> listed = Files.list(directory)) {
            listed.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && matcher.matches(p.getFileName()))
                .sorted().forEach(files::add);
          }
        }
        continue;
      }
      var path = SafePaths.under(roots, text, field);
      if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
        try (Stream<Path> walk = Files.walk(path)) {
          walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().forEach(files::add);
        }
      } else if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
        files.add(path);
      }
      if (files.size() > TaskResult.MAX_FILES) {
        throw TaskFailure.permanent(field + " names more than " + TaskResult.MAX_FILES + " files");
      }
    }
    var described = new ArrayList<DataFile>();
    for (var file : files) {
      described.add(new DataFile(file.toString(), ComputeResources.LOCAL, Files.size(file), Checksums.sha256(file)));
    }
    return described;
  }
}
