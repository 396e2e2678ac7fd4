package org.weft.orchestrator.lifecycle;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What a rerun of an ended experiment runs again: the node it names, or every failed or cancelled
 * node, and everything downstream of it. Executed nodes upstream keep their outputs and never run
 * again.
 */
public final class RerunRules {

  private RerunRules() {}

  /**
   * A node of the live DAG, in the template's order; {@code templateKey} is the template task it
   * comes from, shared by the members of a repeated task.
   */
  public record Node(String key, String templateKey, TaskState state) {

    /** A node of a task that is not repeated. */
    public Node(String key, TaskState state) {
      this(key, key, state);
    }
  }

  /** {@code from} must be executed before {@code to}; both are task keys. */
  public record Edge(String from, String to) {}

  /**
   * The keys of the nodes to reset to {@link TaskState#WAITING}, in the DAG's order.
   *
   * @param fromTask the task to run again (a node's key, or a repeated task's key for all its
   *                 members), or null for every failed or cancelled one
   * @throws IllegalTransitionException when the experiment is still running, or is completed and no
   *                                    {@code fromTask} says what to run again
   * @throws InvalidRerunException      when {@code fromTask} is not a task of the experiment
   */
  public static List<String> reset(ExperimentState experiment, String fromTask, List<Node> nodes, List<Edge> edges) {
    if (!experiment.canMoveTo(ExperimentState.LAUNCHED)) {
      throw new IllegalTransitionException("An experiment", experiment.name(), ExperimentState.LAUNCHED.name());
    }
    var starts = new ArrayList<String>();
    if (fromTask != null) {
      nodes.stream().filter(node -> node.key().equals(fromTask) || node.templateKey().equals(fromTask))
          .forEach(node -> starts.add(node.key()));
      if (starts.isEmpty()) {
        throw new InvalidRerunException("fromTask", "no task '" + fromTask + "' in this experiment");
      }
    } else {
      nodes.stream().filter(node -> node.state() == TaskState.FAILED || node.state() == TaskState.CANCELLED)
          .forEach(node -> starts.add(node.key()));
      if (starts.isEmpty()) {
        throw new IllegalTransitionException("An experiment with nothing failed (name fromTask to rerun part of it)",
            experiment.name(), ExperimentState.LAUNCHED.name());
      }
    }
    var downstream = downstream(starts, edges);
    var reset = new ArrayList<String>();
    for (var node : nodes) {
      if (downstream.contains(node.key())) {
        if (node.state() != TaskState.WAITING) {
          node.state().moveTo(TaskState.WAITING);
        }
        reset.add(node.key());
      }
    }
    return reset;
  }

  private static Set<String> downstream(List<String> starts, List<Edge> edges) {
    var next = new HashMap<String, List<String>>();
    edges.forEach(edge -> next.computeIfAbsent(edge.from(), key -> new ArrayList<>()).add(edge.to()));
    var reached = new LinkedHashSet<String>(starts);
    var queue = new ArrayDeque<String>(starts);
    while (!queue.isEmpty()) {
      for (var successor : next.getOrDefault(queue.poll(), List.of())) {
        if (reached.add(successor)) {
          queue.add(successor);
        }
      }
    }
    return reached;
  }
}
