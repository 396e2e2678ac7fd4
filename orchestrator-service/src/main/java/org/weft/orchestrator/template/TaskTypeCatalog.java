package org.weft.orchestrator.template;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The task types a template may use, with the outputs each produces, so a reference to an output
 * that no task type produces is refused when the template is registered, not when it runs.
 */
public class TaskTypeCatalog {

  /**
   * What one task type is.
   *
   * @param outputs         names of the outputs its results carry; {@code *} for a type whose
   *                        outputs are whatever its task's parameters say
   * @param acceptsCommand  whether a task of this type may carry a command-line template
   */
  public record TaskType(Set<String> outputs, boolean acceptsCommand) {
    public TaskType {
      outputs = outputs == null ? Set.of() : Set.copyOf(outputs);
    }

    /** Whether a result of this type may carry the output {@code name}. */
    public boolean declares(String name) {
      return outputs.contains(name) || outputs.contains(ANY_OUTPUT);
    }

    /** The outputs a reference may be checked against, or null when any name may be given. */
    public Set<String> checkable() {
      return outputs.contains(ANY_OUTPUT) ? null : outputs;
    }
  }

  static final String ANY_OUTPUT = "*";

  /** The task type that runs another master DAG, {@code params.type}, as a child experiment. */
  public static final String SUB_WORKFLOW = "sub-workflow";

  /** The task type that submits a job, which then runs on its own. */
  public static final String JOB_SUBMISSION = "job-submission";

  /** The task type that follows the job of the job submission before it until the job ends. */
  public static final String MONITORING = "monitoring";

  static final Map<String, TaskType> BUILT_IN = Map.of(
      "env-setup", new TaskType(Set.of("workdir", "inputDir", "outputDir", "logDir"), false),
      "input-staging", new TaskType(Set.of("path", "paths", "checksums"), false),
      JOB_SUBMISSION, new TaskType(Set.of("jobId", "workdir", "stdout", "stderr"), true),
      MONITORING, new TaskType(Set.of("exitCode", "runTime", "stdout", "stderr"), false),
      "output-staging", new TaskType(Set.of("location", "files"), false),
      // a noop outputs its params.outputs, to hand a list to a forEach or shape data between tasks
      "noop", new TaskType(Set.of(ANY_OUTPUT), false),
      // run by the orchestrator itself: another master DAG as a child experiment
      SUB_WORKFLOW, new TaskType(Set.of("experimentId", "outputs"), false));

  private final Map<String, TaskType> types;

  public TaskTypeCatalog(DagProperties properties) {
    var all = new LinkedHashMap<>(BUILT_IN);
    all.putAll(properties.taskTypes());
    this.types = Map.copyOf(all);
  }

  public Optional<TaskType> find(String taskType) {
    return Optional.ofNullable(taskType).map(types::get);
  }

  public List<String> names() {
    return types.keySet().stream().sorted().toList();
  }
}
