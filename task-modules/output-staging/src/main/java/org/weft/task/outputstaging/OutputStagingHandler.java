package org.weft.task.outputstaging;

import java.io.IOException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.PathMatcher;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.PatternSyntaxException;
import java.util.stream.Stream;
import org.weft.task.api.DataFile;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.files.SafePaths;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteFiles;
import org.weft.task.runtime.hpc.RemoteHosts;

/**
 * Collects the files under {@code params.from} (in the workspace) that match one of the glob
 * {@code params.patterns} (matched against the path relative to {@code from}, and the file name)
 * into the experiment's output location, {@code {outputs}/{experimentId}}, keeping their relative
 * paths. Symbolic links are not followed. Outputs {@code location} and {@code files}: each with its
 * {@code name}, {@code path}, {@code size} and {@code checksum}.
 *
 * <p>On a remote resource {@code params.from} lies in its scratch directory: the files are listed
 * there with one command, checksummed there with one {@code sha256sum}, streamed here over SFTP,
 * and each copy's checksum must equal the one computed on the resource.
 */
public class OutputStagingHandler implements TaskHandler {

  private final WorkerProperties properties;
  private final RemoteHosts remotes;

  OutputStagingHandler(WorkerProperties properties, RemoteHosts remotes) {
    this.properties = properties;
    this.remotes = remotes;
  }

  @Override
  public String taskType() {
    return "output-staging";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    var params = context.params();
    var resource = remotes.resource(context.resource());
    if (!resource.local()) {
      return collectRemote(context, resource);
    }
    var from = SafePaths.under(List.of(properties.workspaceDir()), params.get("from") instanceof String s ? s : null,
        "params.from");
    if (!Files.isDirectory(from, LinkOption.NOFOLLOW_LINKS)) {
      throw TaskFailure.permanent("params.from " + from + " is not a directory");
    }
    var matchers = matchers(params.get("patterns"));
    var location = properties.outputs().toAbsolutePath().normalize().resolve(context.experimentId());
    Files.createDirectories(location);
    var files = new ArrayList<Map<String, Object>>();
    List<Path> found;
    try (Stream<Path> walk = Files.walk(from)) {
      found = walk.filter(path -> Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS))
          .filter(path -> {
            var relative = from.relativize(path);
            return matchers.stream().anyMatch(m -> m.matches(relative) || m.matches(relative.getFileName()));
          })
          .sorted()
          .toList();
    }
    for (var file : found) {
      context.checkCancelled();
      var relative = from.relativize(file);
      var target = location.resolve(relative.toString());
      Files.createDirectories(target.getParent());
      Files.copy(file, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
      long size = Files.size(target);
      var checksum = Checksums.sha256(target);
      // a copy: what it read is what it wrote
      context.consumed(new DataFile(file.toString(), ComputeResources.LOCAL, size, checksum));
      context.produced(new DataFile(target.toString(), ComputeResources.LOCAL, size, checksum));
      var entry = new LinkedHashMap<String, Object>();
      entry.put("name", relative.toString());
      entry.put("path", target.toString());
      entry.put("size", size);
      entry.put("checksum", checksum);
      files.add(entry);
    }
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("location", location.toString());
    outputs.put("files", files);
    return outputs;
  }

  private Map<String, Object> collectRemote(TaskContext context, ComputeResources.Resource resource) throws IOException {
    var params = context.params();
    var from = resource.within(params.get("from") instanceof String s ? s : null, "params.from");
    var matchers = matchers(params.get("patterns"));
    var files = remotes.files(context.resource());
    var found = files.list(from).stream()
        .filter(file -> {
          var relative = Path.of(file.relative());
          return matchers.stream().anyMatch(m -> m.matches(relative) || m.matches(relative.getFileName()));
        })
        .sorted(java.util.Comparator.comparing(RemoteFiles.Listed::relative))
        .toList();
    var remoteSums = files.checksums(found.stream().map(file -> from + "/" + file.relative()).toList());
    var location = properties.outputs().toAbsolutePath().normalize().resolve(context.experimentId());
    Files.createDirectories(location);
    var collected = new ArrayList<Map<String, Object>>();
    for (var file : found) {
      context.checkCancelled();
      var target = location.resolve(file.relative()).normalize();
      if (!target.startsWith(location)) {
        throw TaskFailure.permanent("output " + file.relative() + " would leave the output location");
      }
      Files.createDirectories(target.getParent());
      var remotePath = from + "/" + file.relative();
      var received = files.download(remotePath, target);
      if (!received.checksum().equals(remoteSums.get(remotePath))) {
        Files.deleteIfExists(target);
        throw TaskFailure.retryable("output %s arrived with checksum %s, but it is %s on resource '%s'".formatted(
            file.relative(), received.checksum(), remoteSums.get(remotePath), context.resource()));
      }
      context.consumed(new DataFile(remotePath, context.resource(), received.size(), received.checksum()));
      context.produced(new DataFile(target.toString(), ComputeResources.LOCAL, received.size(), received.checksum()));
      var entry = new LinkedHashMap<String, Object>();
      entry.put("name", file.relative());
      entry.put("path", target.toString());
      entry.put("size", received.size());
      entry.put("checksum", received.checksum());
      entry.put("source", context.resource() + ":" + remotePath);
      collected.add(entry);
    }
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("location", location.toString());
    outputs.put("files", collected);
    return outputs;
  }

  private static List<PathMatcher> matchers(Object patterns) throws IOException {
    if (!(patterns instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(p -> p instanceof String)) {
      throw TaskFailure.permanent("params.patterns must be a non-empty list of glob patterns");
    }
    var matchers = new ArrayList<PathMatcher>();
    for (var pattern : list) {
      var text = (String) pattern;
      if (text.startsWith("/") || text.contains("..")) {
        throw TaskFailure.permanent("pattern '" + text + "' must be relative and stay inside params.from");
      }
      try {
        matchers.add(FileSystems.getDefault().getPathMatcher("glob:" + text));
      } catch (PatternSyntaxException e) {
        throw TaskFailure.permanent("pattern '" + text + "' is not a glob: " + e.getDescription());
      }
    }
    return matchers;
  }
}
