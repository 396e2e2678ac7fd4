package org.weft.task.runtime.jobs;

import java.time.Instant;

/**
 * Where a job stands.
 *
 * @param exitCode its exit code once it has ended, else null
 * @param reason   why it ended other than by itself ({@code timed out}, {@code cancelled}), or why it
 *                 is lost
 */
public record JobStatus(String jobId, State state, Integer exitCode, Instant startedAt, Instant endedAt,
    String stdout, String stderr, String reason) {

  public enum State {
    RUNNING,
    ENDED,
    /** neither running nor ended by record: its executor died with it */
    LOST
  }
}
