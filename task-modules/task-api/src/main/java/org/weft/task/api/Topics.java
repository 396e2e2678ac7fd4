package org.weft.task.api;

import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The Kafka topic names of the contract under one prefix ({@code weft.} by default), so that
 * several Weft installations can share a cluster.
 *
 * @param prefix prepended to every topic name; empty or ending in a dot, dash or underscore
 */
public record Topics(String prefix) {

  public static final String DEFAULT_PREFIX = "weft.";
  /** Task types name topics and ZooKeeper nodes, so they are restricted to a safe alphabet. */
  public static final Pattern TASK_TYPE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final Pattern PREFIX = Pattern.compile("([a-zA-Z0-9._-]*[._-])?");

  public Topics {
    Objects.requireNonNull(prefix, "prefix");
    if (!PREFIX.matcher(prefix).matches()) {
      throw new IllegalArgumentException(
          "Topic prefix must be empty or letters, digits, '.', '_' and '-' ending in one of '.', '_', '-': " + prefix);
    }
  }

  public static Topics withDefaultPrefix() {
    return new Topics(DEFAULT_PREFIX);
  }

  /** Where dispatches for one task type go; its task microservices form one consumer group on it. */
  public String tasks(String taskType) {
    if (taskType == null || !TASK_TYPE.matcher(taskType).matches()) {
      throw new IllegalArgumentException("Not a valid task type: " + taskType);
    }
    return prefix + "tasks." + taskType;
  }

  /**
   * The consumer group of a task type's workers: its members are the instances of the task
   * microservice, each with the client id {@code <workerId>-<taskType>}.
   */
  public static String workerGroup(String taskType) {
    return "weft-workers-" + taskType;
  }

  /** The client id a worker's consumer of {@code taskType} has in its {@link #workerGroup}. */
  public static String workerClientId(String workerId, String taskType) {
    return workerId + "-" + taskType;
  }

  public String taskResults() {
    return prefix + "task-results";
  }

  public String taskControl() {
    return prefix + "task-control";
  }

  public String experimentEvents() {
    return prefix + "experiment-events";
  }

  /** Where a message that cannot be read or applied is parked, so the consumer keeps going. */
  public String deadLetter(String topic) {
    return topic + ".dlt";
  }
}
