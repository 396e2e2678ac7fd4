package org.weft.task.runtime.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.weft.task.api.DataFile;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteHosts;

/**
 * What a worker does to an experiment's files beside its tasks, only to files it may touch: local
 * ones under its roots (the workspace, the staged outputs, the allowed input directories), remote
 * ones inside their resource's scratch directory, over its SSH connection in one command for all of
 * them.
 *
 * <p>The check an attempt's inputs get before its handler runs: each file the orchestrator expects it
 * to read exists, has the size its producer reported and, when the template asks for it, the same
 * SHA-256. A file that fails is lost: the attempt does not run, and the orchestrator re-creates the
 * file by re-running the task that wrote it. Files it may not touch are left to the task itself.
 *
 * <p>The deletion of the files a completed experiment keeps no more.
 */
public final class DataFiles {

  /** A file expected and not found as described, and why. */
  public record Lost(DataFile file, String reason) {}

  private final List<Path> roots;
  private final RemoteHosts remotes;

  public DataFiles(List<Path> roots, RemoteHosts remotes) {
    this.roots = List.copyOf(roots);
    this.remotes = remotes;
  }

  /** The expected inputs of the attempt that are missing or changed, in the order expected. */
  public List<Lost> lost(TaskContext context) throws IOException {
    var expected = context.expectedInputs();
    if (expected.isEmpty()) {
      return List.of();
    }
    boolean checksums = context.verifiesChecksums();
    var lost = new ArrayList<Lost>();
    var remote = new LinkedHashMap<String, List<DataFile>>();
    for (var file : expected) {
      if (ComputeResources.LOCAL.equals(file.resource())) {
        checkLocal(file, checksums, lost);
      } else {
        remote.computeIfAbsent(file.resource(), name -> new ArrayList<>()).add(file);
      }
    }
    for (var entry : remote.entrySet()) {
      checkRemote(entry.getKey(), entry.getValue(), checksums, lost);
    }
    return lost;
  }

  /**
   * Deletes regular files; a directory, a symbolic link (and what it points to), what is gone
   * already and what this worker may not touch are left.
   *
   * @return how many were deleted
   */
  public int delete(List<DataFile> files) {
    int deleted = 0;
    var remote = new LinkedHashMap<String, List<String>>();
    for (var file : files) {
      if (ComputeResources.LOCAL.equals(file.resource())) {
        try {
          var path = SafePaths.under(roots, file.uri(), "a file to delete");
          if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS) && Files.deleteIfExists(path)) {
            deleted++;
          }
        } catch (TaskFailure | IOException notDeleted) {
          // not ours, or not there to delete
        }
      } else if (remotes != null && remotes.resources().find(file.resource()).filter(r -> !r.local()).isPresent()) {
        try {
          remote.computeIfAbsent(file.resource(), name -> new ArrayList<>())
              .add(remotes.resource(file.resource()).within(file.uri(), "a file to delete"));
        } catch (TaskFailure notOurs) {
          // outside the resource's scratch directory
        }
      }
    }
    for (var entry : remote.entrySet()) {
      deleted += remotes.files(entry.getKey()).delete(entry.getValue());
    }
    return deleted;
  }

  private void checkLocal(DataFile file, boolean checksums, List<Lost> lost) throws IOException {
    Path path;
    try {
      path = SafePaths.under(roots, file.uri(), "an input");
    } catch (TaskFailure notOurs) {
      return;
    }
    if (!Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
      lost.add(new Lost(file, "missing"));
      return;
    }
    var size = Files.size(path);
    if (file.size() != null && size != file.size()) {
      lost.add(new Lost(file, "%d bytes, not %d".formatted(size, file.size())));
      return;
    }
    if (checksums && file.checksum() != null) {
      var checksum = Checksums.sha256(path);
      if (!checksum.equals(file.checksum())) {
        lost.add(new Lost(file, "changed: checksum " + checksum + ", not " + file.checksum()));
      }
    }
  }

  private void checkRemote(String name, List<DataFile> files, boolean checksums, List<Lost> lost) {
    if (remotes == null || remotes.resources().find(name).filter(r -> !r.local()).isEmpty()) {
      return;
    }
    var resource = remotes.resource(name);
    var byPath = new LinkedHashMap<String, DataFile>();
    for (var file : files) {
      try {
        byPath.put(resource.within(file.uri(), "an input"), file);
      } catch (TaskFailure notOurs) {
        // not in the resource's scratch space: not a file this worker may look at
      }
    }
    if (byPath.isEmpty()) {
      return;
    }
    var remoteFiles = remotes.files(name);
    Map<String, Long> sizes = remoteFiles.sizes(List.copyOf(byPath.keySet()));
    var toSum = new ArrayList<String>();
    byPath.forEach((path, file) -> {
      var size = sizes.get(path);
      if (size == null) {
        lost.add(new Lost(file, "missing"));
      } else if (file.size() != null && !size.equals(file.size())) {
        lost.add(new Lost(file, "%d bytes, not %d".formatted(size, file.size())));
      } else if (checksums && file.checksum() != null) {
        toSum.add(path);
      }
    });
    if (!toSum.isEmpty()) {
      var sums = remoteFiles.checksums(toSum);
      for (var path : toSum) {
        var file = byPath.get(path);
        var checksum = sums.get(path);
        if (!file.checksum().equals(checksum)) {
          lost.add(new Lost(file, "changed: checksum " + checksum + ", not " + file.checksum()));
        }
      }
    }
  }
}
