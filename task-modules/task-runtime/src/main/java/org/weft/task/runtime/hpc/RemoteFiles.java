package org.weft.task.runtime.hpc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestInputStream;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.files.Checksums;
import org.weft.task.runtime.files.LimitedCopy;

/**
 * Files on a remote resource: directories made over SSH, contents moved over SFTP as streams, and
 * every transfer checked against {@code sha256sum} run on the resource itself.
 */
public final class RemoteFiles {

  /** A file of a remote directory: its path relative to the directory, and its size. */
  public record Listed(String relative, long size) {}

  private final RemoteHost host;

  public RemoteFiles(RemoteHost host) {
    this.host = host;
  }

  public RemoteHost host() {
    return host;
  }

  public void mkdirs(List<String> directories) {
    var command = new StringBuilder("mkdir -p --");
    for (var directory : directories) {
      command.append(' ').append(ShellWords.quote(SlurmBatchScript.remotePath(directory)));
    }
    host.runOk(command.toString(), null, "creating " + directories);
  }

  /**
   * Streams {@code in} to {@code remotePath} (through a temporary name, so a broken transfer leaves
   * nothing half-written under the real one), refusing more than the resource's transfer limit, and
   * checks the copy's checksum on the resource. Returns the checksum and size.
   */
  public Transferred upload(InputStream in, String remotePath) throws IOException {
    SlurmBatchScript.remotePath(remotePath);
    long limit = host.resource().maxTransferSize().toBytes();
    var partial = remotePath + ".partial";
    var digest = Checksums.digest();
    long size = host.sftp("uploading " + remotePath, sftp -> {
      try (var out = sftp.write(partial); var source = new DigestInputStream(in, digest)) {
        return LimitedCopy.copy(source, out, limit, remotePath);
      }
    });
    var checksum = Checksums.format(digest);
    var remote = checksums(List.of(partial)).get(partial);
    if (!checksum.equals(remote)) {
      host.run("rm -f -- " + ShellWords.quote(partial), null);
      throw TaskFailure.retryable("the copy of %s on resource '%s' has checksum %s, not %s".formatted(remotePath,
          host.name(), remote, checksum));
    }
    host.runOk("mv -f -- " + ShellWords.quote(partial) + " " + ShellWords.quote(remotePath), null,
        "moving " + remotePath + " in place");
    return new Transferred(checksum, size);
  }

  /** Every regular file under a directory, symbolic links not followed, by path relative to it. */
  public List<Listed> list(String directory) {
    var output = host.runOk("cd " + ShellWords.quote(SlurmBatchScript.remotePath(directory))
        + " && find . -type f -printf '%s\\t%P\\n'", null, "listing " + directory);
    var files = new ArrayList<Listed>();
    for (var line : output.split("\n")) {
      var tab = line.indexOf('\t');
      if (tab > 0) {
        files.add(new Listed(line.substring(tab + 1), Long.parseLong(line.substring(0, tab))));
      }
    }
    return files;
  }

  /**
   * The regular files a path names, symbolic links not followed: every one under it, by path
   * relative to it, for a directory; itself (relative path empty) for a file; none for anything else
   * or nothing.
   */
  public List<Listed> under(String path) {
    var quoted = ShellWords.quote(SlurmBatchScript.remotePath(path));
    var output = host.runOk("if [ -d " + quoted + " ] && [ ! -L " + quoted + " ]; then cd " + quoted
        + " && find . -type f -printf '%s\\t%P\\n'; elif [ -f " + quoted + " ] && [ ! -L " + quoted + " ]; then"
        + " printf '%s\\t\\n' \"$(stat -c %s -- " + quoted + ")\"; fi", null, "listing " + path);
    var files = new ArrayList<Listed>();
    for (var line : output.split("\n")) {
      var tab = line.indexOf('\t');
      if (tab > 0 && line.substring(0, tab).matches("[0-9]+")) {
        files.add(new Listed(line.substring(tab + 1), Long.parseLong(line.substring(0, tab))));
      }
    }
    files.sort(java.util.Comparator.comparing(Listed::relative));
    return files;
  }

  /**
   * The sizes of remote regular files, asked in one command for all of them: by path, the size, or
   * null for a path that is not a regular file (missing, a directory, a symbolic link).
   */
  public Map<String, Long> sizes(List<String> paths) {
    if (paths.isEmpty()) {
      return Map.of();
    }
    var command = new StringBuilder("for f in");
    for (var path : paths) {
      command.append(' ').append(ShellWords.quote(SlurmBatchScript.remotePath(path)));
    }
    command.append("; do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then stat -c %s -- \"$f\"; else echo -; fi; done");
    var lines = host.runOk(command.toString(), null, "checking files").split("\n");
    var sizes = new HashMap<String, Long>();
    for (int i = 0; i < paths.size(); i++) {
      var line = i < lines.length ? lines[i].strip() : "-";
      sizes.put(paths.get(i), line.matches("[0-9]+") ? Long.valueOf(line) : null);
    }
    return sizes;
  }

  /**
   * Deletes remote regular files in one command; a symbolic link, what it points to and a directory
   * are left.
   *
   * @return how many were there to delete
   */
  public int delete(List<String> paths) {
    if (paths.isEmpty()) {
      return 0;
    }
    var command = new StringBuilder("n=0; for f in");
    for (var path : paths) {
      command.append(' ').append(ShellWords.quote(SlurmBatchScript.remotePath(path)));
    }
    command.append("; do if [ -f \"$f\" ] && [ ! -L \"$f\" ]; then rm -f -- \"$f\" && n=$((n+1)); fi; done; echo $n");
    var out = host.runOk(command.toString(), null, "deleting files").strip();
    return out.matches("[0-9]+") ? Integer.parseInt(out) : 0;
  }

  /** {@code sha256sum} of remote files, run once for all of them, as {@code sha256:<hex>} by path. */
  public Map<String, String> checksums(List<String> paths) {
    if (paths.isEmpty()) {
      return Map.of();
    }
    var command = new StringBuilder("sha256sum --");
    for (var path : paths) {
      command.append(' ').append(ShellWords.quote(path));
    }
    var output = host.runOk(command.toString(), null, "computing checksums");
    var sums = new HashMap<String, String>();
    var lines = output.split("\n");
    // sha256sum prints one line per file, in order; a name with a newline or backslash is escaped
    for (int i = 0; i < lines.length && i < paths.size(); i++) {
      var line = lines[i].startsWith("\\") ? lines[i].substring(1) : lines[i];
      sums.put(paths.get(i), "sha256:" + line.substring(0, Math.min(64, line.length())));
    }
    return sums;
  }

  /** Streams a remote file to {@code target}; its checksum and size as received. */
  public Transferred download(String remotePath, Path target) {
    SlurmBatchScript.remotePath(remotePath);
    long limit = host.resource().maxTransferSize().toBytes();
    return host.sftp("downloading " + remotePath, sftp -> {
      var partial = target.resolveSibling(target.getFileName() + ".partial");
      var digest = Checksums.digest();
      long total;
      try (InputStream in = new DigestInputStream(sftp.read(remotePath), digest);
          var out = Files.newOutputStream(partial)) {
        total = LimitedCopy.copy(in, out, limit, remotePath);
      } catch (IOException | RuntimeException e) {
        Files.deleteIfExists(partial);
        throw e;
      }
      Files.move(partial, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
      return new Transferred(Checksums.format(digest), total);
    });
  }

  public record Transferred(String checksum, long size) {}
}
