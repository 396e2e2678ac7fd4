package org.weft.task.api;

import java.util.Objects;

/**
 * A file a task read or wrote, as its worker reports it in a {@link TaskResult}: the orchestrator
 * keeps each as a data object in the experiment's lineage.
 *
 * @param uri      the file's absolute path on its compute resource
 * @param resource the compute resource that holds it ({@code local} for the workers' own disk)
 * @param size     its size in bytes, or null when not known
 * @param checksum its SHA-256 in hex, or null when not computed
 */
public record DataFile(String uri, String resource, Long size, String checksum) {

  public DataFile {
    Objects.requireNonNull(uri, "uri");
    if (uri.isBlank()) {
      throw new IllegalArgumentException("A data file needs a uri");
    }
    resource = resource == null || resource.isBlank() ? "local" : resource;
  }
}
