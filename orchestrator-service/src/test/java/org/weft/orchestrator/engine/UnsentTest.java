package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;

class UnsentTest {

  private static TaskDispatch dispatch(String experimentId, String dispatchId) {
    return new TaskDispatch(dispatchId, experimentId, "t-" + dispatchId, "setup", "env-setup", 1, Map.of(), Instant.now());
  }

  private final Unsent unsent = new Unsent();
  private final List<String> sent = new ArrayList<>();

  private void send(List<TaskDispatch> dispatches, List<TaskControl> controls) {
    dispatches.forEach(dispatch -> sent.add(dispatch.dispatchId()));
    controls.forEach(control -> sent.add("control:" + control.experimentId()));
  }

  @Test
  void whatKafkaDidNotTakeIsSentAgainInOrderWithTheSameDispatchIds() {
    unsent.add(List.of(dispatch("e-1", "d-1"), dispatch("e-2", "d-2")), List.of());
    unsent.add(List.of(dispatch("e-1", "d-3")), List.of(TaskControl.cancelExperiment("e-1", TaskControl.Reason.EXPERIMENT_FAILED)));

    assertThat(unsent.resend(this::send, id -> true)).isEqualTo(2);

    assertThat(sent).containsExactly("d-1", "d-2", "d-3", "control:e-1");
    assertThat(unsent.size()).isZero();
  }

  @Test
  void whileKafkaIsStillAwayNothingIsLostAndTheOrderIsKept() {
    unsent.add(List.of(dispatch("e-1", "d-1")), List.of());
    unsent.add(List.of(dispatch("e-1", "d-2")), List.of());

    assertThatIllegalStateException().isThrownBy(() -> unsent.resend((d, c) -> {
      throw new IllegalStateException("Kafka did not take the dispatches");
    }, id -> true));
    assertThat(unsent.size()).isEqualTo(2);

    unsent.resend(this::send, id -> true);
    assertThat(sent).containsExactly("d-1", "d-2");
  }

  @Test
  void whatConcernsAnExperimentThisInstanceNoLongerOwnsIsLeftToItsNewOwner() {
    unsent.add(List.of(dispatch("e-1", "d-1"), dispatch("e-2", "d-2")), List.of());

    unsent.resend(this::send, "e-2"::equals);

    assertThat(sent).containsExactly("d-2");
  }
}
