package org.weft.orchestrator.template;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A task's {@code speculative} setting: {@code true} for the defaults of
 * {@code weft.dag.speculation}, or {@code {multiplier: 3, minimum: PT1M}} to set either. Kept as
 * written in the template, read through here.
 */
public record Speculative(Double multiplier, Duration minimum) {

  /**
   * The setting as written: {@code true}, a map, or absent, {@code false} or unreadable (empty); a
   * value left out takes its default from {@code weft.dag.speculation} when the replica is decided.
   */
  public static Optional<Speculative> of(Object written) {
    if (Boolean.TRUE.equals(written)) {
      return Optional.of(new Speculative(null, null));
    }
    if (written instanceof Map<?, ?> map) {
      var multiplier = map.get("multiplier") instanceof Number n ? n.doubleValue() : null;
      Duration minimum = null;
      if (map.get("minimum") instanceof String text) {
        try {
          minimum = Duration.parse(text);
        } catch (DateTimeParseException e) {
          return Optional.empty();
        }
      }
      return Optional.of(new Speculative(multiplier, minimum));
    }
    return Optional.empty();
  }

  /**
   * What is wrong with the setting {@code written} of a task of type {@code taskType}, if anything;
   * {@code followsAJob}: whether the task depends on a job submission.
   */
  static List<String> problems(Object written, String taskType, boolean expanded, boolean followsAJob) {
    if (written == null || Boolean.FALSE.equals(written)) {
      return List.of();
    }
    if (!(written instanceof Boolean) && !(written instanceof Map<?, ?>)) {
      return List.of("must be true, false, or {multiplier, minimum}");
    }
    var problems = new java.util.ArrayList<String>();
    if (written instanceof Map<?, ?> map) {
      map.keySet().stream().filter(key -> !"multiplier".equals(key) && !"minimum".equals(key))
          .forEach(key -> problems.add("has an unknown field '" + key + "'; it takes multiplier and minimum"));
      var multiplier = map.get("multiplier");
      if (multiplier != null && !(multiplier instanceof Number n && n.doubleValue() >= 1 && n.doubleValue() <= 1000)) {
        problems.add("multiplier must be a number from 1 to 1000");
      }
      var minimum = map.get("minimum");
      if (minimum != null) {
        try {
          if (!(minimum instanceof String text) || Duration.parse(text).isNegative()) {
            problems.add("minimum must be an ISO-8601 duration such as PT1M, not negative");
          }
        } catch (DateTimeParseException e) {
          problems.add("minimum must be an ISO-8601 duration such as PT1M, not negative");
        }
      }
    }
    if (!expanded) {
      problems.add("applies to a task with forEach or matrix: a straggler is one that runs far longer than its siblings");
    }
    if (TaskTypeCatalog.JOB_SUBMISSION.equals(taskType)) {
      problems.add("goes on the monitoring task that follows the job, which runs as long as the job does; "
          + "its replica submits a job of its own");
    }
    if (TaskTypeCatalog.MONITORING.equals(taskType) && !followsAJob && of(written).isPresent()) {
      problems.add("a monitoring task's replica submits its job again: "
          + "the task must depend on the job-submission task whose job it follows");
    }
    return problems;
  }
}
