package org.weft.task.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * A file a task read or wrote, as its worker reports it in a {@link TaskResult}: the orchestrator
 * keeps each as a data object in the experiment's lineage.
 *
 * @param uri      the file's absolute path on its compute resource
 * @param resource the compute resource that holds it ({@code local} for the workers' own disk)
 * @param size     its size in bytes, or null when not known
 * @param checksum {@code sha256:} and its SHA-256 in lower-case hex, or null when not computed
 */
public record DataFile(String uri, String resource, Long size, String checksum) {

  /** Longer than any path a file system or a cluster's scratch space allows. */
  static final int MAX_URI = 4096;
  private static final Pattern SHA256 = Pattern.compile("sha256:[0-9a-f]{64}");
  private static final Pattern RESOURCE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  public DataFile {
    Objects.requireNonNull(uri, "uri");
    if (uri.isBlank() || uri.length() > MAX_URI) {
      throw new IllegalArgumentException("A data file needs a uri of 1 to " + MAX_URI + " characters");
    }
    resource = resource == null || resource.isBlank() ? "local" : resource;
    if (!RESOURCE.matcher(resource).matches()) {
      throw new IllegalArgumentException("A data file's resource must be a resource name, not '" + resource + "'");
    }
    if (size != null && size < 0) {
      throw new IllegalArgumentException("A data file's size cannot be negative");
    }
    if (checksum != null && !SHA256.matcher(checksum).matches()) {
      throw new IllegalArgumentException("A data file's checksum must be sha256: and 64 lower-case hex digits");
    }
  }
}
