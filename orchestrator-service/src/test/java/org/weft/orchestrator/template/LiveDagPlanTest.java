package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.lifecycle.TaskState;

class LiveDagPlanTest {

  private static final DagProperties.TaskDefaults DEFAULTS =
      new DagProperties.TaskDefaults(3, Duration.ofSeconds(2), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMinutes(5));

  @Test
  void oneNodePerTaskWithEdgesFromEachDependency() {
    var template = Templates.yaml(Templates.CHAIN);

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("input-file", "file:///in", "steps", 10L), DEFAULTS, java.util.Set.of("local"));

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::id).containsExactly("e1:setup", "e1:stage-in", "e1:run");
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::position).containsExactly(0, 1, 2);
    assertThat(plan.edges()).containsExactly(
        new LiveDagPlan.Edge("e1:setup", "e1:stage-in"), new LiveDagPlan.Edge("e1:stage-in", "e1:run"));
  }

  @Test
  void onlyNodesWithoutDependenciesStartReady() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(Templates.CHAIN), 1, Map.of("input-file", "file:///in", "steps", 1L), DEFAULTS, java.util.Set.of("local"));

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::state)
        .containsExactly(TaskState.READY, TaskState.WAITING, TaskState.WAITING);
  }

  @Test
  void theContextCarriesResolvedInputsAndTheDefaultsTheTemplateLeftOut() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(Templates.CHAIN), 4, Map.of("input-file", "file:///in", "steps", 10L), DEFAULTS, java.util.Set.of("local"));

    var run = plan.tasks().get(2).context();
    assertThat(run).containsEntry("taskKey", "run").containsEntry("taskType", "job-submission")
        .containsEntry("templateVersion", 4).containsEntry("timeLimit", "PT1H").containsEntry("heartbeatTimeout", "PT30S")
        .containsEntry("retry", Map.of("maxAttempts", 3, "backoff", "PT2S"));
    assertThat(run.get("command")).isEqualTo(Map.of(
        "template", List.of("simulate", "--steps", 10L, "${tasks.stage-in.outputs.path}"), "env", Map.of()));
    assertThat(plan.tasks().get(1).context().get("params"))
        .isEqualTo(Map.of("source", "file:///in", "destination", "${tasks.setup.outputs.inputDir}"));
  }

  @Test
  void theResourceAnInputChoosesGoesIntoEveryContextAndAnUnknownOneIsRefused() {
    var template = Templates.yaml("""
        type: t
        inputs: [{name: resource, type: string, default: local}]
        tasks:
          - {key: a, taskType: env-setup, resource: "${inputs.resource}"}
          - {key: b, taskType: env-setup, resource: hpc1, dependsOn: [a]}
          - {key: c, taskType: env-setup, dependsOn: [b]}
        """);
    var resources = java.util.Set.of("local", "hpc1");

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("resource", "hpc1"), DEFAULTS, resources);

    assertThat(plan.tasks()).extracting(task -> task.context().get("resource")).containsExactly("hpc1", "hpc1", null);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LiveDagPlan.of("e1", template, 1, Map.of("resource", "nowhere"), DEFAULTS, resources))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("inputs.resource", "no compute resource 'nowhere' is configured; configured: hpc1, local")));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LiveDagPlan.of("e1", template, 1, Map.of("resource", "local"), DEFAULTS, java.util.Set.of("local")))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("tasks.b.resource", "no compute resource 'hpc1' is configured; configured: local")));
  }
}
