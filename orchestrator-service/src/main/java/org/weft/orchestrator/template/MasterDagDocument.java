package org.weft.orchestrator.template;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A master DAG template as users write it (YAML or JSON, same fields). Parsed strictly: a field not
 * declared here is refused, so a typo never passes silently.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MasterDagDocument(String type, String description, List<InputSpec> inputs, List<TaskSpec> tasks,
    DataSpec data) {

  public MasterDagDocument {
    inputs = inputs == null ? List.of() : List.copyOf(inputs);
    tasks = tasks == null ? List.of() : List.copyOf(tasks);
  }

  /** How the data policy applies: the template's, or the defaults. */
  public DataSpec dataPolicy() {
    return data == null ? new DataSpec(null, null) : data;
  }

  /**
   * How the experiment's files are looked after.
   *
   * @param verify what a task's inputs are checked for before it runs: existence and size (the
   *               default), or also their checksum
   * @param retain which of the files its tasks wrote an experiment keeps once it has completed:
   *               all (the default), its outputs only, or none
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record DataSpec(Verify verify, Retain retain) {

    public Verify verifyOrDefault() {
      return verify == null ? Verify.SIZE : verify;
    }

    public Retain retainOrDefault() {
      return retain == null ? Retain.ALL : retain;
    }
  }

  /**
   * Which files a completed experiment keeps: {@code all}; its {@code outputs} (the files its
   * tasks wrote that none of them read), the intermediate ones deleted; or {@code none} of those
   * its tasks wrote. Files from outside it are never touched.
   */
  public enum Retain {
    @JsonProperty("all") ALL,
    @JsonProperty("outputs") OUTPUTS,
    @JsonProperty("none") NONE;

    public String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }

    /** @throws IllegalArgumentException naming the values, for one that is none of them */
    public static Retain of(String value) {
      for (var retain : values()) {
        if (retain.value().equals(value)) {
          return retain;
        }
      }
      throw new IllegalArgumentException("must be all, outputs or none");
    }
  }

  /** What an input is checked for. */
  public enum Verify {
    @JsonProperty("size") SIZE,
    @JsonProperty("checksum") CHECKSUM;

    public String value() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** An experiment input, checked at submission. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record InputSpec(
      String name,
      InputType type,
      Boolean required,
      @JsonProperty("default") Object defaultValue,
      String description) {

    boolean isRequired() {
      return Boolean.TRUE.equals(required);
    }
  }

  /**
   * One task of the template; becomes one node of every live DAG made from it, or, with
   * {@code forEach} or {@code matrix}, one node per element or combination (its members).
   *
   * @param forEach a list, {@code ${inputs.NAME}} of a list input, {@code {count: N}} (0 to N-1),
   *                or {@code ${tasks.KEY.outputs.NAME}}, expanded once that task has run: one
   *                member per element
   * @param matrix  dimension name to a list (or {@code ${inputs.NAME}} of one): one member per
   *                combination, the last dimension varying fastest
   * @param minSucceeded of a repeated task, how many members (a whole number, or a percentage
   *                such as {@code "80%"} of the members, rounded up) must succeed: a member that
   *                fails for good while that many can still succeed is tolerated, and the
   *                experiment goes on without it (default: every member)
   * @param when    a condition ({@link Conditions}): false, the node is skipped instead of run
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record TaskSpec(
      String key,
      String taskType,
      String description,
      List<String> dependsOn,
      Object forEach,
      Map<String, Object> matrix,
      Object minSucceeded,
      String when,
      Map<String, Object> params,
      CommandSpec command,
      ResourceSpec resources,
      String resource,
      RetrySpec retry,
      Duration timeLimit,
      Duration heartbeatTimeout,
      Object speculative) {

    public TaskSpec {
      dependsOn = dependsOn == null ? List.of() : List.copyOf(dependsOn);
      params = params == null ? Map.of() : params;
    }
  }

  /** A command line as a list of arguments, never a shell string, and its environment. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record CommandSpec(List<String> template, Map<String, String> env) {
    public CommandSpec {
      template = template == null ? List.of() : template;
      env = env == null ? Map.of() : env;
    }
  }

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record ResourceSpec(Integer cores, String memory, Duration wallTime) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record RetrySpec(Integer maxAttempts, Duration backoff) {}
}
