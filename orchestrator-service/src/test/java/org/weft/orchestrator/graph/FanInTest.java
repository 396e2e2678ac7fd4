package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.template.Placeholders;

class FanInTest {

  @Test
  void theOutputsOfEveryExecutedMemberAreGatheredInMemberOrder() {
    var context = Map.<String, Object>of("members", Map.of("run", 3), "params", Map.of(
        "jobs", "${tasks.run.outputs.jobId}", "first", "${tasks.setup.outputs.workdir}"));
    var outputs = Map.of(
        "setup", Map.<String, Object>of("workdir", "/w"),
        "run[2]", Map.<String, Object>of("jobId", "c"),
        "run[0]", Map.<String, Object>of("jobId", "a"));

    var resolved = Placeholders.resolveTaskOutputs(context.get("params"), Dispatching.withFanIn(context, outputs));

    // run[1] did not execute (a tolerated failure): the list holds the members that did
    assertThat(resolved).isEqualTo(Map.of("jobs", List.of("a", "c"), "first", "/w"));
  }

  @Test
  void aRepeatedTaskWithoutMembersGivesEmptyLists() {
    var context = Map.<String, Object>of("members", Map.of("run", 0), "params", Map.of("jobs", "${tasks.run.outputs.jobId}"));

    assertThat(Placeholders.resolveTaskOutputs(context.get("params"), Dispatching.withFanIn(context, Map.of())))
        .isEqualTo(Map.of("jobs", List.of()));
  }

  @Test
  void theOutputsAFanInReadsAreEveryMembersAndThoseOfOtherTasks() {
    var context = Map.<String, Object>of("members", Map.of("run", 2), "params",
        Map.of("jobs", "${tasks.run.outputs.jobId}", "dir", "${tasks.setup.outputs.workdir}"));

    assertThat(LiveDags.outputsFrom(context)).containsExactlyInAnyOrder("run[0]", "run[1]", "setup");
  }
}
