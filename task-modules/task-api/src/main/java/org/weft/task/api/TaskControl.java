package org.weft.task.api;

import java.util.Objects;

/**
 * A command to the workers on {@code weft.task-control}, keyed by experiment id.
 *
 * @param experimentId the experiment concerned
 * @param taskId       one node, or {@code null} for every node of the experiment
 * @param command      what to do
 */
public record TaskControl(String experimentId, String taskId, Command command) {

  public enum Command {
    CANCEL
  }

  public TaskControl {
    Objects.requireNonNull(experimentId, "experimentId");
    Objects.requireNonNull(command, "command");
  }
}
