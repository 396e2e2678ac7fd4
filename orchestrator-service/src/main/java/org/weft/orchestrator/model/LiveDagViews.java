package org.weft.orchestrator.model;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.weft.orchestrator.lifecycle.DataState;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.ReplicaState;
import org.weft.orchestrator.lifecycle.TaskState;

/** What the API shows of experiments and their live DAGs. */
public final class LiveDagViews {

  private LiveDagViews() {}

  /**
   * A submission, as accepted by the API.
   *
   * @param owner       a label the gateway gives, such as the researcher it submits for
   * @param gatewayId   the gateway, from the caller's token (in local mode, from the body)
   * @param submittedBy the subject of the caller's token; null in local mode
   */
  public record NewExperiment(
      String experimentType,
      Integer templateVersion,
      String name,
      String owner,
      String gatewayId,
      String submittedBy,
      int priority,
      Map<String, Object> inputs,
      String idempotencyKey,
      String retain) {

    /** An experiment that keeps its files as its template says. */
    public NewExperiment(String experimentType, Integer templateVersion, String name, String owner, String gatewayId,
        String submittedBy, int priority, Map<String, Object> inputs, String idempotencyKey) {
      this(experimentType, templateVersion, name, owner, gatewayId, submittedBy, priority, inputs, idempotencyKey, null);
    }
  }

  public record Experiment(
      String experimentId,
      String type,
      int templateVersion,
      String name,
      String owner,
      String gatewayId,
      String submittedBy,
      int priority,
      ExperimentState state,
      String reason,
      Map<String, Object> inputs,
      Map<String, Object> outputs,
      Instant createdAt,
      Instant startedAt,
      Instant endedAt,
      Map<TaskState, Long> taskCounts) {}

  /**
   * One node of a live DAG. {@code templateKey} is the template task it comes from (its own key,
   * unless it is a member of a repeated task: {@code run[3]} comes from {@code run}); {@code member}
   * is its position among the members, null for a task that is not repeated. {@code tolerated}: a
   * member that failed while enough of its task's members could still succeed
   * ({@code minSucceeded}); the experiment went on without it. {@code reexecutions}: why the node
   * ran again after it had succeeded, once per time, oldest first (to re-create a file it had
   * written that was lost); {@code isExecuted} is false from then until it succeeds again.
   * {@code replica}: the replica of a straggling attempt of a {@code speculative} task, if one was
   * started, null otherwise.
   */
  public record TaskNode(
      String id,
      String key,
      String templateKey,
      Integer member,
      String taskType,
      TaskState state,
      boolean tolerated,
      boolean isExecuted,
      int attempt,
      int maxAttempts,
      Map<String, Object> context,
      Map<String, Object> outputs,
      Map<String, Object> error,
      String dispatchId,
      String workerId,
      Instant startedAt,
      Instant endedAt,
      List<String> reexecutions,
      Replica replica) {}

  /** A straggler's replica: the attempt it copies, its state, and when it started. */
  public record Replica(int attempt, ReplicaState state, Instant startedAt) {}

  /** {@code from} and {@code to} are task keys. */
  public record Edge(String from, String to) {}

  public record Dag(String experimentId, List<TaskNode> nodes, List<Edge> edges) {}

  /** One state change, of the experiment ({@code taskKey} null) or of one of its tasks. */
  public record Event(long seq, Instant at, String type, String taskKey, String state, String detail) {}

  /**
   * A file of an experiment's lineage.
   *
   * @param uri        its absolute path on its resource
   * @param resource   the compute resource that holds it
   * @param size       bytes, when its task reported them
   * @param checksum   {@code sha256:} and the hex digest, when its task computed it
   * @param createdAt  when a task last reported it as written (or first as read)
   * @param state      whether it is there
   * @param producedBy the key of the task that wrote it; null for a file from outside the
   *                   experiment's tasks' reports
   * @param consumedBy the keys of the tasks that read it
   */
  public record DataObject(String uri, String resource, Long size, String checksum, Instant createdAt,
      DataState state, String producedBy, List<String> consumedBy) {}

  /** Filters of the experiment listing; null means any. */
  public record ExperimentFilter(ExperimentState state, String type, String gatewayId) {}
}
