package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.lifecycle.ReconstructionRules.GiveUp;
import org.weft.orchestrator.lifecycle.ReconstructionRules.LostFile;
import org.weft.orchestrator.lifecycle.ReconstructionRules.Maker;
import org.weft.orchestrator.lifecycle.ReconstructionRules.Rebuild;

class ReconstructionRulesTest {

  private static final Maker RUN = new Maker("e:run", "run", TaskState.SUCCEEDED);
  private static final Maker WATCH = new Maker("e:watch", "watch", TaskState.SUCCEEDED);

  private static LostFile file(String uri, DataState state, int reconstructions, Maker... makers) {
    return new LostFile(uri, "local", state, reconstructions, List.of(makers));
  }

  @Test
  void aLostFileIsMarkedAndEveryNodeThatMakesItRunsAgainWithTheReason() {
    var lost = file("/s/out", DataState.AVAILABLE, 0, WATCH, RUN);

    var plan = ReconstructionRules.plan("reduce", List.of(lost), 3);

    assertThat(plan).isEqualTo(new Rebuild(List.of(lost), Map.of(
        "e:watch", "re-run to re-create /s/out on local, lost when reduce was to read it",
        "e:run", "re-run to re-create /s/out on local, lost when reduce was to read it")));
  }

  @Test
  void twoFilesOfOneMakerRunItOnceAndACollectedFileIsReCreatedLikeALostOne() {
    var plan = (Rebuild) ReconstructionRules.plan("reduce",
        List.of(file("/s/a", DataState.AVAILABLE, 0, WATCH), file("/s/b", DataState.COLLECTED, 0, WATCH)), 3);

    assertThat(plan.marked()).extracting(LostFile::uri).containsExactly("/s/a", "/s/b");
    assertThat(plan.rerun()).containsOnlyKeys("e:watch");
    assertThat(plan.rerun().get("e:watch")).contains("/s/a");
  }

  @Test
  void aFileAlreadyBeingReCreatedIsLeftToItsMakerAndCountsNoMore() {
    var coming = new Maker("e:watch", "watch", TaskState.DISPATCHED);

    assertThat(ReconstructionRules.plan("reduce[1]", List.of(file("/s/out", DataState.LOST, 1, coming)), 3))
        .isEqualTo(new Rebuild(List.of(), Map.of()));
  }

  @Test
  void aFileStillLostAfterItsMakerRanAgainCountsAgainUpToTheBound() {
    var again = file("/s/out", DataState.LOST, 2, WATCH);

    assertThat(ReconstructionRules.plan("read", List.of(again), 3)).isInstanceOfSatisfying(Rebuild.class,
        rebuild -> assertThat(rebuild.marked()).containsExactly(again));
    assertThat(ReconstructionRules.plan("read", List.of(file("/s/out", DataState.LOST, 3, WATCH)), 3))
        .isEqualTo(new GiveUp("input /s/out on local was lost again after being re-created 3 times"));
  }

  @Test
  void aFileNoTaskWroteOrWhoseMakerFailedCannotBeReCreated() {
    assertThat(ReconstructionRules.plan("read", List.of(file("/data/in", null, 0)), 3))
        .isEqualTo(new GiveUp("input /data/in on local was lost, and no task of this experiment wrote it"));
    assertThat(ReconstructionRules.plan("read", List.of(file("/data/in", DataState.AVAILABLE, 0)), 3))
        .isInstanceOf(GiveUp.class);
    assertThat(ReconstructionRules.plan("read",
        List.of(file("/s/out", DataState.AVAILABLE, 0, new Maker("e:run", "run", TaskState.FAILED))), 3))
        .isEqualTo(new GiveUp("input /s/out on local was lost, and the task that wrote it did not succeed"));
  }

  @Test
  void aDataObjectMovesOnlyBetweenItsLegalStates() {
    assertThat(DataState.AVAILABLE.moveTo(DataState.LOST)).isEqualTo(DataState.LOST);
    assertThat(DataState.LOST.moveTo(DataState.AVAILABLE)).isEqualTo(DataState.AVAILABLE);
    assertThat(DataState.COLLECTED.moveTo(DataState.LOST)).isEqualTo(DataState.LOST);
    assertThatThrownBy(() -> DataState.LOST.moveTo(DataState.COLLECTED)).isInstanceOf(IllegalTransitionException.class);
    assertThatThrownBy(() -> DataState.AVAILABLE.moveTo(DataState.AVAILABLE)).isInstanceOf(IllegalTransitionException.class);
  }
}
