package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.lifecycle.ResultRules.Ignore;
import org.weft.orchestrator.lifecycle.ResultRules.NodeSnapshot;
import org.weft.orchestrator.lifecycle.ResultRules.ReplicaAlive;
import org.weft.orchestrator.lifecycle.ResultRules.ReplicaSubmitted;
import org.weft.orchestrator.lifecycle.ResultRules.ReplicaWasted;
import org.weft.orchestrator.lifecycle.ResultRules.ReplicaWins;
import org.weft.orchestrator.lifecycle.ResultRules.Succeed;
import org.weft.orchestrator.lifecycle.ResultRules.Then;
import org.weft.task.api.TaskResult;

/** Straggler replicas: when one starts, and what the results of either copy do. */
class ReplicaRulesTest {

  private static final Speculation.Policy POLICY = new Speculation.Policy(3, 60_000, 0.5);

  private static NodeSnapshot watched(TaskState state, ReplicaState replica, ExperimentState experiment) {
    return new NodeSnapshot("e-1", "watch[5]", state, "d-1", 1, 3, experiment, "r-1", replica, false);
  }

  private static NodeSnapshot submission(ReplicaState replicaOfFollower) {
    return new NodeSnapshot("e-1", "run[5]", TaskState.SUCCEEDED, "d-0", 1, 3, ExperimentState.EXECUTING, "r-0",
        replicaOfFollower, true);
  }

  private static TaskResult result(String dispatchId, TaskResult.Status status) {
    var error = status == TaskResult.Status.FAILED ? new TaskResult.Error("exit 1", false) : null;
    return new TaskResult(dispatchId, "e-1", "e-1:watch[5]", 1, status, Map.of(), error, "w-2", Instant.now());
  }

  @Test
  void anAttemptStragglesOnlyPastItsMinimumAndPastTheMultipleOfItsFinishedSiblingsMedian() {
    var finished = List.of(10_000L, 12_000L, 50_000L, 11_000L);

    assertThat(Speculation.straggling(59_000, 7, finished, POLICY)).as("under the minimum").isEmpty();
    assertThat(Speculation.straggling(34_000, 7, finished, new Speculation.Policy(3, 0, 0.5)))
        .as("under three times the median of 11.5 s").isEmpty();
    assertThat(Speculation.straggling(61_000, 7, finished, POLICY)).hasValueSatisfying(why -> assertThat(why)
        .isEqualTo("its attempt has run PT1M1S, over 3 times the median PT11.5S of its 4 finished siblings"));
  }

  @Test
  void aMedianNeedsTheQuantileOfSiblingsFinishedAndAtLeastOne() {
    assertThat(Speculation.straggling(600_000, 7, List.of(1_000L, 1_000L, 1_000L), POLICY)).isEmpty();
    assertThat(Speculation.straggling(600_000, 7, List.of(1_000L, 1_000L, 1_000L, 1_000L), POLICY)).isPresent();
    assertThat(Speculation.straggling(600_000, 0, List.of(), POLICY)).isEmpty();
  }

  @Test
  void aPolicyRefusesAMultiplierUnderOneAndAQuantileOutsideZeroToOne() {
    assertThatThrownBy(() -> new Speculation.Policy(0.5, 0, 0.5)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Speculation.Policy(2, 0, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Speculation.Policy(2, -1, 0.5)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void theFirstCopyToSucceedWinsAndTheReplicaOnlyWhileTheOriginalRuns() {
    var running = watched(TaskState.RUNNING, ReplicaState.RUNNING, ExperimentState.EXECUTING);

    assertThat(ResultRules.decide(running, result("r-1", TaskResult.Status.SUCCEEDED)))
        .isEqualTo(new ReplicaWins(Then.DISPATCH_READY_SUCCESSORS));
    assertThat(ResultRules.decide(running, result("d-1", TaskResult.Status.SUCCEEDED)))
        .isEqualTo(new Succeed(Then.DISPATCH_READY_SUCCESSORS));
    assertThat(running.hasActiveReplica()).isTrue();
    // the original won: the replica finishing afterwards is wasted, its outputs ignored
    var stopped = watched(TaskState.SUCCEEDED, ReplicaState.WASTED, ExperimentState.EXECUTING);
    assertThat(ResultRules.decide(stopped, result("r-1", TaskResult.Status.SUCCEEDED))).isEqualTo(new Ignore(Outcome.DUPLICATE));
  }

  @Test
  void aReplicaHeartbeatKeepsTheNodeAliveUntilItMayNoLongerWinThenStopsIt() {
    assertThat(ResultRules.decide(watched(TaskState.RUNNING, ReplicaState.RUNNING, ExperimentState.EXECUTING),
        result("r-1", TaskResult.Status.RUNNING))).isEqualTo(new ReplicaAlive(false));
    assertThat(ResultRules.decide(watched(TaskState.SUCCEEDED, ReplicaState.STOPPING, ExperimentState.EXECUTING),
        result("r-1", TaskResult.Status.RUNNING))).isEqualTo(new ReplicaAlive(true));
    assertThat(ResultRules.decide(watched(TaskState.RUNNING, ReplicaState.RUNNING, ExperimentState.CANCELLING),
        result("r-1", TaskResult.Status.RUNNING))).isEqualTo(new ReplicaAlive(true));
  }

  @Test
  void aFailedReplicaIsWastedAndTheNodeGoesOnWithItsOriginal() {
    var decision = ResultRules.decide(watched(TaskState.RUNNING, ReplicaState.RUNNING, ExperimentState.EXECUTING),
        result("r-1", TaskResult.Status.FAILED));

    assertThat(decision).isEqualTo(new ReplicaWasted("it failed: exit 1"));
  }

  @Test
  void theJobSubmittedForAReplicaIsFollowedToWinOrOnlyToBeStopped() {
    assertThat(ResultRules.decide(submission(ReplicaState.STARTING), result("r-0", TaskResult.Status.SUCCEEDED)))
        .isEqualTo(new ReplicaSubmitted(true));
    assertThat(ResultRules.decide(submission(ReplicaState.STOPPING), result("r-0", TaskResult.Status.SUCCEEDED)))
        .isEqualTo(new ReplicaSubmitted(false));
    assertThat(ResultRules.decide(submission(ReplicaState.STARTING), result("r-0", TaskResult.Status.FAILED)))
        .isInstanceOf(ReplicaWasted.class);
    assertThat(ResultRules.decide(submission(ReplicaState.WASTED), result("r-0", TaskResult.Status.SUCCEEDED)))
        .isEqualTo(new Ignore(Outcome.DUPLICATE));
  }

  @Test
  void theOriginalsEndStopsARunningReplicaAtOnceAndOneStartingOnceItsJobIsFollowed() {
    assertThat(ReplicaState.RUNNING.superseded()).isEqualTo(ReplicaState.WASTED);
    assertThat(ReplicaState.STARTING.superseded()).isEqualTo(ReplicaState.STOPPING);
    assertThatThrownBy(ReplicaState.WON::superseded).isInstanceOf(IllegalTransitionException.class);
    assertThat(ReplicaState.WON.next()).isEmpty();
    assertThat(ReplicaState.STOPPING.canMoveTo(ReplicaState.WON)).isFalse();
  }
}
