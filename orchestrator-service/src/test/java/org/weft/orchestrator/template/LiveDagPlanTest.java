package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.lifecycle.TaskState;

class LiveDagPlanTest {

  private static final DagProperties.TaskDefaults DEFAULTS =
      new DagProperties.TaskDefaults(3, Duration.ofSeconds(2), Duration.ofHours(1), Duration.ofSeconds(30), Duration.ofMinutes(5), 3);

  @Test
  void oneNodePerTaskWithEdgesFromEachDependency() {
    var template = Templates.yaml(Templates.CHAIN);

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("input-file", "file:///in", "steps", 10L), DEFAULTS, java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::id).containsExactly("e1:setup", "e1:stage-in", "e1:run");
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::position).containsExactly(0, 1, 2);
    assertThat(plan.edges()).containsExactly(
        new LiveDagPlan.Edge("e1:setup", "e1:stage-in"), new LiveDagPlan.Edge("e1:stage-in", "e1:run"));
  }

  @Test
  void onlyNodesWithoutDependenciesStartReady() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(Templates.CHAIN), 1, Map.of("input-file", "file:///in", "steps", 1L), DEFAULTS, java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::state)
        .containsExactly(TaskState.READY, TaskState.WAITING, TaskState.WAITING);
  }

  @Test
  void theContextCarriesResolvedInputsAndTheDefaultsTheTemplateLeftOut() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(Templates.CHAIN), 4, Map.of("input-file", "file:///in", "steps", 10L), DEFAULTS, java.util.Set.of("local"), 10_000);

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

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("resource", "hpc1"), DEFAULTS, resources, 10_000);

    assertThat(plan.tasks()).extracting(task -> task.context().get("resource")).containsExactly("hpc1", "hpc1", null);
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LiveDagPlan.of("e1", template, 1, Map.of("resource", "nowhere"), DEFAULTS, resources, 10_000))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("inputs.resource", "no compute resource 'nowhere' is configured; configured: hpc1, local")));
    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> LiveDagPlan.of("e1", template, 1, Map.of("resource", "local"), DEFAULTS, java.util.Set.of("local"), 10_000))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("tasks.b.resource", "no compute resource 'hpc1' is configured; configured: local")));
  }

  private static final String SWEEP = """
      type: sweep
      inputs: [{name: alphas, type: list, default: [0.1, 0.2, 0.4]}]
      tasks:
        - {key: setup, taskType: env-setup}
        - key: run
          taskType: job-submission
          dependsOn: [setup]
          forEach: "${inputs.alphas}"
          command: {template: [simulate, --alpha, "${item}", --out, "${tasks.setup.outputs.outputDir}/run-${index}"]}
        - key: monitor
          taskType: monitoring
          dependsOn: [run]
          forEach: "${inputs.alphas}"
          params: {jobId: "${tasks.run.outputs.jobId}"}
        - key: collect
          taskType: output-staging
          dependsOn: [monitor]
          params: {jobs: "${tasks.run.outputs.jobId}"}
      """;

  @Test
  void aForEachTaskBecomesOneNodePerElementWithItsItemAndIndex() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(SWEEP), 1, Map.of("alphas", List.of(0.1, 0.2, 0.4)), DEFAULTS,
        java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::key).containsExactly("setup", "run[0]", "run[1]", "run[2]",
        "monitor[0]", "monitor[1]", "monitor[2]", "collect");
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::position).containsExactly(0, 1, 2, 3, 4, 5, 6, 7);
    var run1 = plan.tasks().get(2);
    assertThat(run1.templateKey()).isEqualTo("run");
    assertThat(run1.member()).isEqualTo(1);
    assertThat(run1.context()).containsEntry("taskKey", "run[1]").containsEntry("templateKey", "run")
        .containsEntry("index", 1).containsEntry("item", 0.2);
    assertThat(((Map<?, ?>) run1.context().get("command")).get("template"))
        .isEqualTo(List.of("simulate", "--alpha", 0.2, "--out", "${tasks.setup.outputs.outputDir}/run-1"));
    // the list a member comes from is not copied into every member
    assertThat(((Map<?, ?>) run1.context().get("inputs")).containsKey("alphas")).isFalse();
    assertThat(plan.tasks().get(0).templateKey()).isEqualTo("setup");
    assertThat(plan.tasks().get(0).member()).isEqualTo(-1);
  }

  @Test
  void membersOverTheSameListPairUpAndADependentOfAllOfThemFansIn() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(SWEEP), 1, Map.of("alphas", List.of(0.1, 0.2, 0.4)), DEFAULTS,
        java.util.Set.of("local"), 10_000);

    assertThat(plan.edges()).containsExactly(
        new LiveDagPlan.Edge("e1:setup", "e1:run[0]"), new LiveDagPlan.Edge("e1:setup", "e1:run[1]"),
        new LiveDagPlan.Edge("e1:setup", "e1:run[2]"),
        new LiveDagPlan.Edge("e1:run[0]", "e1:monitor[0]"), new LiveDagPlan.Edge("e1:run[1]", "e1:monitor[1]"),
        new LiveDagPlan.Edge("e1:run[2]", "e1:monitor[2]"),
        new LiveDagPlan.Edge("e1:monitor[0]", "e1:collect"), new LiveDagPlan.Edge("e1:monitor[1]", "e1:collect"),
        new LiveDagPlan.Edge("e1:monitor[2]", "e1:collect"));
    assertThat(plan.tasks().get(5).context().get("params")).isEqualTo(Map.of("jobId", "${tasks.run[1].outputs.jobId}"));
    var collect = plan.tasks().get(7).context();
    assertThat(collect.get("params")).isEqualTo(Map.of("jobs", "${tasks.run.outputs.jobId}"));
    assertThat(collect.get("members")).isEqualTo(Map.of("run", 3));
  }

  @Test
  void aMatrixGivesOneMemberPerCombinationTheLastDimensionFastest() {
    var template = Templates.yaml("""
        type: m
        inputs: [{name: alphas, type: list}]
        tasks:
          - key: run
            taskType: env-setup
            matrix: {alpha: "${inputs.alphas}", seed: [1, 2]}
            params: {tag: "a${item.alpha}-s${item.seed}"}
        """);

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("alphas", List.of("x", "y")), DEFAULTS, java.util.Set.of("local"),
        10_000);

    assertThat(plan.tasks()).extracting(task -> (Object) ((Map<?, ?>) task.context().get("params")).get("tag"))
        .containsExactly("ax-s1", "ax-s2", "ay-s1", "ay-s2");
    assertThat(plan.tasks().get(1).context().get("item")).isEqualTo(Map.of("alpha", "x", "seed", 2));
  }

  @Test
  void anItemIsDataEvenWhenItLooksLikeAReference() {
    var template = Templates.yaml("""
        type: m
        inputs: [{name: names, type: list}]
        tasks: [{key: run, taskType: env-setup, forEach: "${inputs.names}", params: {name: "${item}"}}]
        """);

    var plan = LiveDagPlan.of("e1", template, 1, Map.of("names", List.of("${tasks.x.outputs.y}")), DEFAULTS,
        java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks().get(0).context().get("params")).isEqualTo(Map.of("name", "$${tasks.x.outputs.y}"));
    assertThat(Placeholders.resolveTaskOutputs(plan.tasks().get(0).context().get("params"), Map.of()))
        .isEqualTo(Map.of("name", "${tasks.x.outputs.y}"));
  }

  @Test
  void anEmptyListGivesNoMembersAndTheFanInWaitsForNone() {
    var plan = LiveDagPlan.of("e1", Templates.yaml(SWEEP), 1, Map.of("alphas", List.of()), DEFAULTS,
        java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::key).containsExactly("setup", "collect");
    assertThat(plan.edges()).isEmpty();
    assertThat(plan.tasks().get(1).context().get("members")).isEqualTo(Map.of("run", 0));
    // nothing left to wait for: the fan-in is ready at once
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::state).containsExactly(TaskState.READY, TaskState.READY);
  }

  @Test
  void inputsThatExpandPastTheLimitAreRefusedNamingTheInput() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LiveDagPlan.of("e1", Templates.yaml(SWEEP), 1,
            Map.of("alphas", java.util.Collections.nCopies(6, 1L)), DEFAULTS, java.util.Set.of("local"), 10))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("inputs.alphas", "the experiment would have 14 task nodes; at most 10 are allowed (weft.dag.max-expansion)")));
  }

  @Test
  void allToAllDependenciesPastTheirLimitAreRefused() {
    var template = Templates.yaml("""
        type: m
        inputs: [{name: a, type: list}, {name: b, type: list}]
        tasks:
          - {key: x, taskType: env-setup, forEach: "${inputs.a}"}
          - {key: y, taskType: env-setup, forEach: "${inputs.b}", dependsOn: [x]}
        """);
    var many = java.util.Collections.nCopies(40, 1L);

    org.assertj.core.api.Assertions.assertThatThrownBy(() -> LiveDagPlan.of("e1", template, 1, Map.of("a", many, "b", many),
            DEFAULTS, java.util.Set.of("local"), 100))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations()).singleElement()
            .satisfies(v -> assertThat(v.message()).startsWith("the experiment would have 1600 dependencies")));
  }

  @Test
  void aTaskRepeatedOverAnUpstreamOutputIsOneWaitingNodeUntilThatOutputExists() {
    var template = Templates.yaml("""
        type: t
        tasks:
          - {key: split, taskType: output-staging}
          - {key: map, taskType: job-submission, dependsOn: [split], forEach: "${tasks.split.outputs.files}", command: {template: [map, "${item.name}"]}}
          - {key: watch, taskType: monitoring, dependsOn: [map], forEach: "${tasks.split.outputs.files}", params: {jobId: "${tasks.map.outputs.jobId}"}}
          - {key: reduce, taskType: env-setup, dependsOn: [watch], params: {jobs: "${tasks.map.outputs.jobId}"}}
        """);

    var plan = LiveDagPlan.of("e1", template, 1, Map.of(), DEFAULTS, java.util.Set.of("local"), 10_000);

    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::key).containsExactly("split", "map", "watch", "reduce");
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::state).containsExactly(TaskState.READY,
        TaskState.WAITING, TaskState.WAITING, TaskState.WAITING);
    assertThat(plan.edges()).containsExactly(new LiveDagPlan.Edge("e1:split", "e1:map"),
        new LiveDagPlan.Edge("e1:map", "e1:watch"), new LiveDagPlan.Edge("e1:watch", "e1:reduce"));
    var map = plan.tasks().get(1).context();
    assertThat(map).containsEntry("forEach", "${tasks.split.outputs.files}");
    assertThat(map.get("command")).isEqualTo(Map.of("template", List.of("map", "${item.name}"), "env", Map.of()));
    // the members of watch read their partner's outputs once they exist; the fan-in learns their number then
    assertThat(plan.tasks().get(2).context().get("params")).isEqualTo(Map.of("jobId", "${tasks.map.outputs.jobId}"));
    assertThat(plan.tasks().get(3).context().get("members")).isEqualTo(Map.of("map", 0));
  }
}
