package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class StateMachineTest {

  @Test
  void anExperimentRunsFromCreatedToAnEnd() {
    var state = ExperimentState.CREATED.moveTo(ExperimentState.LAUNCHED).moveTo(ExperimentState.EXECUTING)
        .moveTo(ExperimentState.COMPLETED);

    assertThat(state.isTerminal()).isTrue();
  }

  @Test
  void aCancelledExperimentStaysCancelled() {
    assertThat(ExperimentState.CANCELLED.next()).isEmpty();
    assertThatThrownBy(() -> ExperimentState.CANCELLED.moveTo(ExperimentState.LAUNCHED))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessage("An experiment in state CANCELLED cannot move to LAUNCHED");
  }

  @Test
  void aFinishedExperimentCanOnlyBeRelaunchedByARerun() {
    assertThat(ExperimentState.FAILED.next()).containsExactly(ExperimentState.LAUNCHED);
    assertThat(ExperimentState.COMPLETED.next()).containsExactly(ExperimentState.LAUNCHED);
  }

  @ParameterizedTest
  @EnumSource(TaskState.class)
  void onlySucceededCountsAsExecuted(TaskState state) {
    assertThat(state.isExecuted()).isEqualTo(state == TaskState.SUCCEEDED);
  }

  @Test
  void aTaskGoesThroughDispatchToSuccessAndRetriesThroughReady() {
    var state = TaskState.WAITING.moveTo(TaskState.READY).moveTo(TaskState.DISPATCHED).moveTo(TaskState.RUNNING)
        .moveTo(TaskState.READY).moveTo(TaskState.DISPATCHED).moveTo(TaskState.SUCCEEDED);

    assertThat(state.isExecuted()).isTrue();
  }

  @Test
  void anExecutedTaskNeverRunsAgainExceptAfterARerunReset() {
    assertThat(TaskState.SUCCEEDED.next()).containsExactly(TaskState.WAITING);
    assertThatThrownBy(() -> TaskState.SUCCEEDED.moveTo(TaskState.DISPATCHED)).isInstanceOf(IllegalTransitionException.class);
  }

  @Test
  void aWaitingTaskIsDispatchedOrSettledButNeverRunsOrSucceedsWithoutADispatch() {
    assertThat(TaskState.WAITING.canMoveTo(TaskState.DISPATCHED)).isTrue();
    assertThat(TaskState.WAITING.canMoveTo(TaskState.RUNNING)).isFalse();
    assertThat(TaskState.WAITING.canMoveTo(TaskState.SUCCEEDED)).isFalse();
  }

  @Test
  void anExpandedTaskIsSettledWithoutBeingExecutedAndOnlyARerunMovesIt() {
    var state = TaskState.WAITING.moveTo(TaskState.EXPANDED);
    assertThat(state.isSettled()).isTrue();
    assertThat(state.isExecuted()).isFalse();
    assertThat(state.isTerminal()).isTrue();
    assertThat(state.next()).containsExactly(TaskState.WAITING);
    assertThatThrownBy(() -> TaskState.READY.moveTo(TaskState.EXPANDED)).isInstanceOf(IllegalTransitionException.class);
  }
}
