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
import org.weft.task.runtime.hpc.RemoteFiles;

/**
 * The files a template names for a job's lineage ({@code params.inputs} of a job
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
      files.addAll(named(roots, (String) entry, field));
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

  /**
   * The files {@code declared} on a remote resource, with size and SHA-256, asked in one command per
   * entry and one for the checksums of all: each entry inside the resource's scratch directory.
   */
  public static List<DataFile> remote(RemoteFiles files, ComputeResources.Resource resource, String resourceName,
      Object declared, String field) {
    if (declared == null) {
      return List.of();
    }
    if (!(declared instanceof List<?> entries) || !entries.stream().allMatch(e -> e instanceof String s && !s.isBlank())) {
      throw TaskFailure.permanent(field + " must be a list of paths");
    }
    var sizes = new java.util.LinkedHashMap<String, Long>();
    for (var entry : entries) {
      var text = (String) entry;
      int slash = text.lastIndexOf('/');
      var name = text.substring(slash + 1);
      if (slash > 0 && name.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
        var directory = resource.within(text.substring(0, slash), field);
        var matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
        files.under(directory).stream()
            .filter(f -> !f.relative().isEmpty() && f.relative().indexOf('/') < 0 && matcher.matches(Path.of(f.relative())))
            .forEach(f -> sizes.put(directory + "/" + f.relative(), f.size()));
      } else {
        var path = resource.within(text, field);
        files.under(path).forEach(f -> sizes.put(f.relative().isEmpty() ? path : path + "/" + f.relative(), f.size()));
      }
      if (sizes.size() > TaskResult.MAX_FILES) {
        throw TaskFailure.permanent(field + " names more than " + TaskResult.MAX_FILES + " files");
      }
    }
    var checksums = files.checksums(List.copyOf(sizes.keySet()));
    var described = new ArrayList<DataFile>();
    sizes.forEach((path, size) -> described.add(new DataFile(path, resourceName, size, checksums.get(path))));
    return described;
  }

  /** The regular files one entry names, in order. */
  private static List<Path> named(List<Path> roots, String entry, String field) throws IOException {
    int slash = entry.lastIndexOf('/');
    var name = entry.substring(slash + 1);
    if (slash > 0 && name.chars().anyMatch(c -> c == '*' || c == '?' || c == '[' || c == '{')) {
      var directory = SafePaths.under(roots, entry.substring(0, slash), field);
      if (!Files.isDirectory(directory, LinkOption.NOFOLLOW_LINKS)) {
        return List.of();
      }
      var matcher = FileSystems.getDefault().getPathMatcher("glob:" + name);
      try (Stream<Path> listed = Files.list(directory)) {
        return listed.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && matcher.matches(p.getFileName()))
            .sorted().toList();
      }
    }
    var path = SafePaths.under(roots, entry, field);
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      try (Stream<Path> walk = Files.walk(path)) {
        return walk.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS)).sorted().toList();
      }
    }
    return Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) ? List.of(path) : List.of();
  }
}
