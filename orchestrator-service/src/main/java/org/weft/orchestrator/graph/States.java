package org.weft.orchestrator.graph;

import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.ReplicaState;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.task.api.TaskResult;

/**
 * State names as statement parameters, taken from the {@code lifecycle} enums so that no statement
 * spells a state: {@code $task.RUNNING}, {@code $experiment.EXECUTING}, a result's
 * {@code $status.SUCCEEDED}, a replica's {@code $replica.RUNNING}, each task state's label
 * {@code $stateLabel}, and the sets {@code $inFlight}, {@code $notStarted}, {@code $passed},
 * {@code $active}, {@code $startable} and {@code $replicaActive}.
 */
final class States {

  private static final Map<String, Object> PARAMETERS = Map.ofEntries(
      Map.entry("task", names(List.of(TaskState.values()))),
      Map.entry("experiment", names(List.of(ExperimentState.values()))),
      Map.entry("inFlight", TaskState.inFlight().stream().map(Enum::name).toList()),
      Map.entry("notStarted", TaskState.notStarted().stream().map(Enum::name).toList()),
      Map.entry("passed", TaskState.passed().stream().map(Enum::name).toList()),
      Map.entry("active", ExperimentState.active().stream().map(Enum::name).toList()),
      Map.entry("startable", ExperimentState.startable().stream().map(Enum::name).toList()),
      Map.entry("status", names(List.of(TaskResult.Status.values()))),
      Map.entry("replica", names(List.of(ReplicaState.values()))),
      Map.entry("replicaActive", ReplicaState.active().stream().map(Enum::name).toList()),
      Map.entry("stateLabel", Arrays.stream(TaskState.values()).collect(Collectors.toMap(Enum::name, TaskState::label))));

  /** Every task state's label, as a {@code REMOVE} clause names them: {@code Waiting:Ready:…}. */
  private static final String ALL_LABELS = Arrays.stream(TaskState.values()).map(TaskState::label)
      .collect(Collectors.joining(":"));

  private States() {}

  /**
   * The clauses that give a task node {@code node} the label of its state and no other state's
   * ({@link TaskState#label()}); they follow every statement's change of {@code node.state}.
   */
  static String labelled(String node) {
    return "REMOVE %1$s:%2$s SET %1$s:$($stateLabel[%1$s.state])\n".formatted(node, ALL_LABELS);
  }

  /** The names of the states of an experiment that has not ended ({@code $active}). */
  @SuppressWarnings("unchecked")
  static List<String> active() {
    return (List<String>) PARAMETERS.get("active");
  }

  private static final Map<String, Map<String, Object>> USED = new ConcurrentHashMap<>();

  /** The state parameters a statement names, to bind beside its own. */
  static Map<String, Object> of(String statement) {
    return USED.computeIfAbsent(statement, text -> {
      var used = new HashMap<String, Object>();
      PARAMETERS.forEach((name, value) -> {
        if (text.contains("$" + name)) {
          used.put(name, value);
        }
      });
      return Map.copyOf(used);
    });
  }

  private static Map<String, String> names(Collection<? extends Enum<?>> states) {
    var names = new LinkedHashMap<String, String>();
    states.forEach(state -> names.put(state.name(), state.name()));
    return names;
  }
}
