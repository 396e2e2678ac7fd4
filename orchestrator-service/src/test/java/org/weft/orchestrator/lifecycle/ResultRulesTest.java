package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.weft.orchestrator.lifecycle.ResultRules.End;
import org.weft.orchestrator.lifecycle.ResultRules.Heartbeat;
import org.weft.orchestrator.lifecycle.ResultRules.Ignore;
import org.weft.orchestrator.lifecycle.ResultRules.NodeSnapshot;
import org.weft.orchestrator.lifecycle.ResultRules.Retry;
import org.weft.orchestrator.lifecycle.ResultRules.Succeed;
import org.weft.orchestrator.lifecycle.ResultRules.Then;
import org.weft.task.api.TaskResult;

class ResultRulesTest {

  private static NodeSnapshot node(TaskState state, int attempt, int maxAttempts, ExperimentState experiment) {
    return new NodeSnapshot("e-1", "run", state, "d-" + attempt, attempt, maxAttempts, experiment);
  }

  private static TaskResult result(TaskResult.Status status, int attempt, TaskResult.Error error) {
    return new TaskResult("d-" + attempt, "e-1", "e-1:run", attempt, status, Map.of(), error, "w-1", Instant.now());
  }

  @Test
  void aResultForNoNodeOrAnotherExperimentsNodeIsUnknown() {
    var success = result(TaskResult.Status.SUCCEEDED, 1, null);

    assertThat(ResultRules.decide(null, success)).isEqualTo(new Ignore(Outcome.UNKNOWN));
    var elsewhere = new NodeSnapshot("e-2", "run", TaskState.RUNNING, "d-1", 1, 3, ExperimentState.EXECUTING);
    assertThat(ResultRules.decide(elsewhere, success)).isEqualTo(new Ignore(Outcome.UNKNOWN));
  }

  @Test
  void aResultOfAnEarlierAttemptIsStaleWhateverItSays() {
    var current = node(TaskState.RUNNING, 2, 3, ExperimentState.EXECUTING);

    assertThat(ResultRules.decide(current, result(TaskResult.Status.SUCCEEDED, 1, null))).isEqualTo(new Ignore(Outcome.STALE));
    assertThat(ResultRules.decide(current, result(TaskResult.Status.FAILED, 1, new TaskResult.Error("x", false))))
        .isEqualTo(new Ignore(Outcome.STALE));
  }

  @Test
  void aNodeResetByARerunHasNoAttemptAndTakesNoResult() {
    var reset = new NodeSnapshot("e-1", "run", TaskState.WAITING, null, 0, 3, ExperimentState.LAUNCHED);

    assertThat(ResultRules.decide(reset, result(TaskResult.Status.SUCCEEDED, 1, null))).isEqualTo(new Ignore(Outcome.STALE));
  }

  @ParameterizedTest
  @EnumSource(value = TaskState.class, names = {"SUCCEEDED", "FAILED", "CANCELLED", "READY", "WAITING"})
  void aResultOfTheCurrentAttemptOfANodeNotInFlightIsADuplicate(TaskState state) {
    var settled = node(state, 1, 3, ExperimentState.EXECUTING);

    assertThat(ResultRules.decide(settled, result(TaskResult.Status.SUCCEEDED, 1, null)))
        .isEqualTo(new Ignore(Outcome.DUPLICATE));
  }

  @Test
  void theFirstHeartbeatStartsTheAttemptAndLaterOnesOnlyKeepItAlive() {
    assertThat(ResultRules.decide(node(TaskState.DISPATCHED, 1, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.RUNNING, 1, null))).isEqualTo(new Heartbeat(true));
    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.RUNNING, 1, null))).isEqualTo(new Heartbeat(false));
  }

  @Test
  void aSuccessDispatchesSuccessorsOnlyWhileTheExperimentExecutes() {
    var success = result(TaskResult.Status.SUCCEEDED, 1, null);

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.EXECUTING), success))
        .isEqualTo(new Succeed(Then.DISPATCH_READY_SUCCESSORS));
    assertThat(ResultRules.decide(node(TaskState.DISPATCHED, 1, 3, ExperimentState.CANCELLING), success))
        .isEqualTo(new Succeed(Then.FINISH_CANCEL_IF_DONE));
    // an attempt still out when its experiment failed: its success is kept, and starts nothing
    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.FAILED), success))
        .isEqualTo(new Succeed(Then.NOTHING));
  }

  @Test
  void aRetryableFailureIsRetriedWhileAttemptsRemain() {
    var error = new TaskResult.Error("node lost", true);

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 2, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.FAILED, 2, error))).isEqualTo(new Retry(error));
    assertThat(ResultRules.decide(node(TaskState.RUNNING, 3, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.FAILED, 3, error))).isEqualTo(new End(TaskState.FAILED, error, Then.FAIL_EXPERIMENT));
  }

  @Test
  void aFailureThatCannotBeRetriedFailsTheExperimentAtOnce() {
    var error = new TaskResult.Error("bad input", false);

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.FAILED, 1, error))).isEqualTo(new End(TaskState.FAILED, error, Then.FAIL_EXPERIMENT));
  }

  @Test
  void aFailureInACancellingExperimentCancelsTheNodeAndIsNeverRetried() {
    var error = new TaskResult.Error("stopped", true);

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.CANCELLING),
        result(TaskResult.Status.FAILED, 1, error)))
        .isEqualTo(new End(TaskState.CANCELLED, error, Then.FINISH_CANCEL_IF_DONE));
  }

  @Test
  void aFailureInAnExperimentThatAlreadyFailedEndsTheNodeOnly() {
    var error = new TaskResult.Error("late", true);

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.FAILED),
        result(TaskResult.Status.FAILED, 1, error))).isEqualTo(new End(TaskState.FAILED, error, Then.NOTHING));
  }

  @Test
  void theStateMachineGuardsEveryMoveTheRulesDecide() {
    assertThatThrownBy(() -> TaskState.WAITING.moveTo(TaskState.SUCCEEDED))
        .isInstanceOf(IllegalTransitionException.class)
        .hasMessage("A task in state WAITING cannot move to SUCCEEDED");
    assertThatThrownBy(() -> ExperimentState.CANCELLED.moveTo(ExperimentState.FAILED))
        .isInstanceOf(IllegalTransitionException.class);
  }

  @Test
  void anAttemptThatFoundItsInputsLostWaitsForThemInsteadOfFailingEvenOnItsLastAttempt() {
    var lost = new TaskResult.Error("input /s/a on local is missing", false,
        java.util.List.of(new org.weft.task.api.DataFile("/s/a", "local", 1L, null)));

    assertThat(ResultRules.decide(node(TaskState.RUNNING, 3, 3, ExperimentState.EXECUTING),
        result(TaskResult.Status.FAILED, 3, lost))).isEqualTo(new ResultRules.Reconstruct(lost));
    // a cancelling experiment re-creates nothing: the node ends cancelled
    assertThat(ResultRules.decide(node(TaskState.RUNNING, 1, 3, ExperimentState.CANCELLING),
        result(TaskResult.Status.FAILED, 1, lost))).isEqualTo(new End(TaskState.CANCELLED, lost, Then.FINISH_CANCEL_IF_DONE));
  }
}
