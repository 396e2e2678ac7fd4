package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.lifecycle.RerunRules.Edge;
import org.weft.orchestrator.lifecycle.RerunRules.Node;

/**
 * A diamond with a side branch: {@code top → left, right → bottom}, and {@code top → side}. What is
 * downstream of {@code left} ({@code left, bottom}) is not everything after it in the template's
 * order ({@code right} and {@code side} come later but do not depend on it).
 */
class RerunRulesTest {

  private static final List<Edge> EDGES = List.of(new Edge("top", "left"), new Edge("top", "right"),
      new Edge("left", "bottom"), new Edge("right", "bottom"), new Edge("top", "side"));

  private static List<Node> nodes(TaskState left, TaskState right, TaskState bottom, TaskState side) {
    return List.of(new Node("top", TaskState.SUCCEEDED), new Node("left", left), new Node("right", right),
        new Node("bottom", bottom), new Node("side", side));
  }

  @Test
  void aRerunResetsTheFailedNodeAndWhatDependsOnItNotWhatMerelyComesAfterIt() {
    var nodes = nodes(TaskState.FAILED, TaskState.SUCCEEDED, TaskState.WAITING, TaskState.SUCCEEDED);

    assertThat(RerunRules.reset(ExperimentState.FAILED, null, nodes, EDGES)).containsExactly("left", "bottom");
  }

  @Test
  void aRerunFromANamedTaskResetsItAndItsDescendantsInTheDagsOrder() {
    var nodes = nodes(TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.SUCCEEDED);

    assertThat(RerunRules.reset(ExperimentState.COMPLETED, "top", nodes, EDGES))
        .containsExactly("top", "left", "right", "bottom", "side");
    assertThat(RerunRules.reset(ExperimentState.COMPLETED, "right", nodes, EDGES)).containsExactly("right", "bottom");
  }

  @Test
  void everyFailedOrCancelledNodeIsAStart() {
    var nodes = nodes(TaskState.FAILED, TaskState.SUCCEEDED, TaskState.CANCELLED, TaskState.CANCELLED);

    assertThat(RerunRules.reset(ExperimentState.FAILED, null, nodes, EDGES)).containsExactly("left", "bottom", "side");
  }

  @Test
  void anAttemptStillOutInAFailedExperimentIsAbandonedByTheReset() {
    var nodes = nodes(TaskState.FAILED, TaskState.RUNNING, TaskState.WAITING, TaskState.DISPATCHED);

    assertThat(RerunRules.reset(ExperimentState.FAILED, "top", nodes, EDGES))
        .containsExactly("top", "left", "right", "bottom", "side");
  }

  @Test
  void aRunningExperimentCannotBeRerun() {
    var nodes = nodes(TaskState.RUNNING, TaskState.SUCCEEDED, TaskState.WAITING, TaskState.SUCCEEDED);

    assertThatThrownBy(() -> RerunRules.reset(ExperimentState.EXECUTING, "left", nodes, EDGES))
        .isInstanceOf(IllegalTransitionException.class);
    assertThatThrownBy(() -> RerunRules.reset(ExperimentState.CANCELLED, "left", nodes, EDGES))
        .isInstanceOf(IllegalTransitionException.class);
  }

  @Test
  void aCompletedExperimentNeedsATaskToRerunFrom() {
    var nodes = nodes(TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.SUCCEEDED, TaskState.SUCCEEDED);

    assertThatThrownBy(() -> RerunRules.reset(ExperimentState.COMPLETED, null, nodes, EDGES))
        .isInstanceOf(IllegalTransitionException.class).hasMessageContaining("name fromTask");
  }

  @Test
  void aTaskTheExperimentDoesNotHaveIsAnInvalidRerun() {
    var nodes = nodes(TaskState.FAILED, TaskState.SUCCEEDED, TaskState.WAITING, TaskState.SUCCEEDED);

    assertThatThrownBy(() -> RerunRules.reset(ExperimentState.FAILED, "nowhere", nodes, EDGES))
        .isInstanceOf(InvalidRerunException.class)
        .satisfies(e -> assertThat(((InvalidRerunException) e).field()).isEqualTo("fromTask"));
  }

  @Test
  void aRerunOfARepeatedTaskResetsEveryMemberAndOfOneMemberOnlyItAndItsDescendants() {
    var nodes = List.of(new Node("setup", TaskState.SUCCEEDED), new Node("run[0]", "run", TaskState.SUCCEEDED),
        new Node("run[1]", "run", TaskState.SUCCEEDED), new Node("collect", TaskState.SUCCEEDED));
    var edges = List.of(new Edge("setup", "run[0]"), new Edge("setup", "run[1]"), new Edge("run[0]", "collect"),
        new Edge("run[1]", "collect"));

    assertThat(RerunRules.reset(ExperimentState.COMPLETED, "run", nodes, edges)).containsExactly("run[0]", "run[1]", "collect");
    assertThat(RerunRules.reset(ExperimentState.COMPLETED, "run[1]", nodes, edges)).containsExactly("run[1]", "collect");
    assertThatThrownBy(() -> RerunRules.reset(ExperimentState.COMPLETED, "run[2]", nodes, edges))
        .isInstanceOf(InvalidRerunException.class);
  }
}
