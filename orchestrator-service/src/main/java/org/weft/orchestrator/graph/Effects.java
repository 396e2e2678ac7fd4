package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;

/**
 * What to send after the commit.
 *
 * @param dispatches tasks to send to their workers
 * @param controls   commands for workers, such as cancelling an abandoned attempt
 * @param ended      experiments that reached an end, whose running markers can go
 */
public record Effects(Outcome outcome, List<TaskDispatch> dispatches, List<TaskControl> controls, Set<String> ended) {

  static Effects of(Outcome outcome) {
    return new Effects(outcome, List.of(), List.of(), Set.of());
  }

  /** Applied, with nothing to send; {@code ended} lists the experiments that reached an end. */
  static Effects ended(Set<String> ended) {
    return new Effects(Outcome.APPLIED, List.of(), List.of(), ended);
  }

  public static Effects merge(List<Effects> all) {
    var dispatches = new ArrayList<TaskDispatch>();
    var controls = new ArrayList<TaskControl>();
    var ended = new LinkedHashSet<String>();
    for (var effects : all) {
      dispatches.addAll(effects.dispatches());
      controls.addAll(effects.controls());
      ended.addAll(effects.ended());
    }
    return new Effects(Outcome.APPLIED, dispatches, controls, ended);
  }
}
