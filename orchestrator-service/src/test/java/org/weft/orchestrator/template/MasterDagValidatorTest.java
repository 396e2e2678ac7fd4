package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weft.orchestrator.template.Templates.VALIDATOR;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.template.Violation;

class MasterDagValidatorTest {

  @Test
  void aWellFormedChainHasNoViolations() {
    assertThat(VALIDATOR.validate(Templates.yaml(Templates.CHAIN))).isEmpty();
  }

  @Test
  void aCycleIsReportedWithTheNodesOnIt() {
    var violations = VALIDATOR.validate(Templates.yaml("""
        type: t
        tasks:
          - {key: start, taskType: env-setup}
          - {key: a, taskType: env-setup, dependsOn: [start, c]}
          - {key: b, taskType: env-setup, dependsOn: [a]}
          - {key: c, taskType: env-setup, dependsOn: [b]}
        """));

    assertThat(violations).hasSize(1);
    assertThat(violations.get(0).field()).isEqualTo("tasks");
    assertThat(violations.get(0).message()).startsWith("dependency cycle: ").contains("a").contains("b").contains("c")
        .doesNotContain("start");
  }

  @Test
  void aDependencyOnAnUnknownKeyIsNamed() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup, dependsOn: [ghost]}]
        """)).containsExactly("tasks[0].dependsOn: depends on unknown task 'ghost'");
  }

  @Test
  void aDuplicateKeyIsNamed() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup}, {key: a, taskType: monitoring}]
        """)).containsExactly("tasks[1].key: duplicate task key 'a'");
  }

  @Test
  void anUnknownTaskTypeIsNamedWithTheKnownOnes() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: teleport}]
        """)).singleElement().asString().startsWith("tasks[0].taskType: unknown task type 'teleport'").contains("env-setup");
  }

  @Test
  void aReferenceToAnUndeclaredInputIsNamed() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup, params: {x: "${inputs.nope}"}}]
        """)).containsExactly("tasks[0].params: ${inputs.nope} refers to an input the template does not declare");
  }

  @Test
  void aReferenceToAnOutputTheTaskTypeDoesNotProduceIsNamed() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: a, taskType: env-setup}
          - {key: b, taskType: monitoring, dependsOn: [a], params: {x: "${tasks.a.outputs.jobId}"}}
        """)).singleElement().asString().startsWith("tasks[1].params: ${tasks.a.outputs.jobId}: task type 'env-setup' has no output 'jobId'");
  }

  @Test
  void aReferenceToATaskThatIsNotUpstreamIsRefused() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: a, taskType: env-setup}
          - {key: b, taskType: env-setup, params: {x: "${tasks.a.outputs.workdir}"}}
        """)).singleElement().asString().contains("which is not upstream of 'b'");
  }

  @Test
  void anExpressionThatIsNoReferenceIsRefused() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup, params: {x: "${env.HOME}"}}]
        """)).singleElement().asString().contains("${env.HOME} is not a reference");
  }

  @Test
  void anEscapedDollarIsNotAReference() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup, params: {x: "cost $${price}"}}]
        """)).isEmpty();
  }

  @Test
  void aTemplateWithoutTasksIsRefused() {
    assertThat(messages("type: t\ntasks: []\n")).containsExactly("tasks: a template needs at least one task");
  }

  @Test
  void aDefaultOfTheWrongTypeIsNamed() {
    assertThat(messages("""
        type: t
        inputs: [{name: steps, type: integer, default: many}]
        tasks: [{key: a, taskType: env-setup}]
        """)).containsExactly("inputs[0].default: must be of type integer");
  }

  @Test
  void namesThatCouldBreakAQueryOrATopicAreRefused() {
    assertThat(messages("""
        type: "x` DETACH DELETE n //"
        tasks: [{key: "a'}) MATCH (n", taskType: env-setup}]
        """)).hasSize(2).allSatisfy(m -> assertThat(m).contains("must match [a-z0-9][a-z0-9-]*"));
  }

  @Test
  void aCommandOnATaskTypeThatRunsNoneIsRefused() {
    assertThat(messages("""
        type: t
        tasks: [{key: a, taskType: env-setup, command: {template: [ls]}}]
        """)).containsExactly("tasks[0].command: task type 'env-setup' takes no command");
  }

  @Test
  void outOfRangeSettingsAreNamed() {
    assertThat(messages("""
        type: t
        tasks:
          - key: a
            taskType: job-submission
            command: {template: [run]}
            retry: {maxAttempts: 0, backoff: -PT1S}
            resources: {cores: 0, memory: lots, wallTime: PT0S}
            timeLimit: PT0S
        """)).containsExactlyInAnyOrder(
        "tasks[0].retry.maxAttempts: must be between 1 and 100",
        "tasks[0].retry.backoff: must not be negative",
        "tasks[0].resources.cores: must be at least 1",
        "tasks[0].resources.memory: must be a size such as 512MiB or 4GiB",
        "tasks[0].resources.wallTime: must be a positive duration",
        "tasks[0].timeLimit: must be a positive duration");
  }

  @Test
  void aResourceIsANameOrExactlyOneDeclaredInput() {
    assertThat(messages("""
        type: t
        inputs: [{name: cluster, type: string}]
        tasks:
          - {key: a, taskType: env-setup, resource: hpc-1}
          - {key: b, taskType: env-setup, resource: "${inputs.cluster}"}
          - {key: c, taskType: env-setup, resource: "Bad Name"}
          - {key: d, taskType: env-setup, resource: "${inputs.nope}"}
          - {key: e, taskType: env-setup, resource: "pre-${inputs.cluster}"}
          - {key: f, taskType: env-setup, resource: "${tasks.a.outputs.workdir}"}
        """)).containsExactly(
        "tasks[2].resource: 'Bad Name' is not a resource name (lower-case letters, digits, '-')",
        "tasks[3].resource: ${inputs.nope} refers to an input the template does not declare",
        "tasks[4].resource: must be a resource name or exactly one ${inputs.NAME}",
        "tasks[5].resource: must be a resource name or exactly one ${inputs.NAME}");
  }

  @Test
  void forEachOverAListInputOrAWrittenListIsAccepted() {
    assertThat(messages("""
        type: t
        inputs: [{name: alphas, type: list, default: [0.1, 0.2]}]
        tasks:
          - {key: a, taskType: env-setup, forEach: "${inputs.alphas}", params: {alpha: "${item}", n: "${index}"}}
          - {key: b, taskType: env-setup, forEach: [x, y], params: {v: "run-${item}"}}
          - key: c
            taskType: env-setup
            matrix: {alpha: "${inputs.alphas}", seed: [1, 2, 3]}
            params: {alpha: "${item.alpha}", seed: "${item.seed}"}
          - {key: d, taskType: env-setup, dependsOn: [a, b, c], params: {dirs: "${tasks.a.outputs.workdir}"}}
          - {key: e, taskType: env-setup, forEach: {count: 3}, params: {part: "${item}/3"}}
          - {key: f, taskType: env-setup, forEach: {count: "${inputs.n}"}, params: {part: "${item}/${inputs.n}"}}
        """.replace("inputs: [", "inputs: [{name: n, type: integer, default: 2}, "))).isEmpty();
  }

  @Test
  void forEachOverSomethingThatIsNotAListIsRefused() {
    assertThat(messages("""
        type: t
        inputs: [{name: steps, type: integer}]
        tasks:
          - {key: a, taskType: env-setup, forEach: "${inputs.steps}"}
          - {key: b, taskType: env-setup, forEach: 12}
          - {key: c, taskType: env-setup, forEach: "${inputs.nope}"}
          - {key: d, taskType: env-setup, forEach: [[1, 2]]}
          - {key: e, taskType: env-setup, forEach: [1], matrix: {x: [1]}}
          - {key: f, taskType: env-setup, matrix: {bad-name: [1]}}
          - {key: g, taskType: env-setup, forEach: {count: "${inputs.steps}"}}
          - {key: h, taskType: env-setup, forEach: {count: -1}}
          - {key: i, taskType: env-setup, forEach: {count: "${inputs.names}"}}
          - {key: j, taskType: env-setup, forEach: {count: 20000}}
        """.replace("inputs: [", "inputs: [{name: names, type: list}, "))).containsExactly(
        "tasks[0].forEach: ${inputs.steps} is of type integer; forEach and matrix need a list",
        "tasks[1].forEach: must be a list, exactly one ${inputs.NAME} of an input of type list, {count: N}, or (forEach) exactly one ${tasks.KEY.outputs.NAME}",
        "tasks[2].forEach: ${inputs.nope} refers to an input the template does not declare",
        "tasks[3].forEach: the elements of a list must be strings, numbers or booleans",
        "tasks[4]: has both forEach and matrix; a task repeats over one of them",
        "tasks[5].matrix.bad-name: a dimension's name must match [A-Za-z][A-Za-z0-9_]*, as ${item.NAME} reads it",
        "tasks[7].forEach.count: must be a whole number, at least 0",
        "tasks[8].forEach.count: ${inputs.names} is of type list; a count needs an integer",
        "tasks[9].forEach: gives 20000 members; at most 10000 are allowed (weft.dag.max-expansion)");
  }

  @Test
  void itemAndIndexOutsideARepeatedTaskOrWithTheWrongShapeAreRefused() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: a, taskType: env-setup, params: {x: "${item}", y: "${index}"}}
          - {key: b, taskType: env-setup, forEach: [1, 2], params: {x: "${item.alpha}"}}
          - {key: c, taskType: env-setup, matrix: {alpha: [1]}, params: {x: "${item}", y: "${item.beta}"}}
        """)).containsExactly(
        "tasks[0].params: ${item} is only defined in a task with forEach or matrix",
        "tasks[0].params: ${index} is only defined in a task with forEach or matrix",
        "tasks[1].params: ${item.alpha}: the elements of forEach have no fields; use ${item}",
        "tasks[2].params: ${item}: a matrix member's item has one field per dimension; use ${item.NAME}, NAME one of [alpha]",
        "tasks[2].params: ${item.beta}: the matrix has no dimension 'beta'; it has [alpha]");
  }

  @Test
  void forEachOverAnUpstreamOutputIsAcceptedAndItsItemsMayHaveFields() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: split, taskType: output-staging}
          - {key: map, taskType: job-submission, dependsOn: [split], forEach: "${tasks.split.outputs.files}", command: {template: [map, "${item.name}", "${index}"]}}
          - {key: watch, taskType: monitoring, dependsOn: [map], forEach: "${tasks.split.outputs.files}", params: {jobId: "${tasks.map.outputs.jobId}"}}
          - {key: reduce, taskType: env-setup, dependsOn: [watch], params: {jobs: "${tasks.map.outputs.jobId}"}}
          - {key: hand-on, taskType: noop, params: {outputs: {anything: [1, 2]}}}
          - {key: use, taskType: env-setup, dependsOn: [hand-on], forEach: "${tasks.hand-on.outputs.anything}", when: "item > 1"}
        """)).isEmpty();
  }

  @Test
  void forEachOverAnOutputThatIsNotUpstreamUndeclaredOrRepeatedIsRefused() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: split, taskType: output-staging}
          - {key: a, taskType: env-setup, forEach: "${tasks.split.outputs.files}"}
          - {key: b, taskType: env-setup, dependsOn: [split], forEach: "${tasks.split.outputs.jobId}"}
          - {key: c, taskType: env-setup, dependsOn: [split], forEach: "${tasks.nope.outputs.files}"}
          - {key: d, taskType: output-staging, dependsOn: [split], forEach: [1, 2]}
          - {key: e, taskType: env-setup, dependsOn: [d], forEach: "${tasks.d.outputs.files}"}
          - {key: f, taskType: env-setup, dependsOn: [split], matrix: {x: "${tasks.split.outputs.files}"}}
        """)).containsExactly(
        "tasks[6].matrix.x: a matrix repeats over lists known when the experiment is submitted; repeat over a task's output with forEach",
        "tasks[1].forEach: ${tasks.split.outputs.files} refers to task 'split', which is not upstream of 'a'; add it to dependsOn",
        "tasks[2].forEach: ${tasks.split.outputs.jobId}: task type 'output-staging' has no output 'jobId'; it has [files, location]",
        "tasks[3].forEach: ${tasks.nope.outputs.files} refers to unknown task 'nope'",
        "tasks[5].forEach: ${tasks.d.outputs.files}: task 'd' is repeated itself; forEach over the output of a task that gathers its members");
  }

  @Test
  void minSucceededIsANumberOrAPercentageOfARepeatedTask() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: a, taskType: env-setup, forEach: [1, 2, 3], minSucceeded: 2}
          - {key: b, taskType: env-setup, forEach: [1, 2, 3], minSucceeded: "80%"}
          - {key: c, taskType: env-setup, minSucceeded: 1}
          - {key: d, taskType: env-setup, forEach: [1, 2], minSucceeded: "120%"}
          - {key: e, taskType: env-setup, forEach: [1, 2], minSucceeded: -1}
          - {key: f, taskType: env-setup, forEach: [1, 2], minSucceeded: 1.5}
        """)).containsExactly(
        "tasks[2].minSucceeded: applies to a task with forEach or matrix: how many of its members must succeed",
        "tasks[3].minSucceeded: must be a whole number of members, at least 0, or a percentage such as \"80%\"",
        "tasks[4].minSucceeded: must be a whole number of members, at least 0, or a percentage such as \"80%\"",
        "tasks[5].minSucceeded: must be a whole number of members, at least 0, or a percentage such as \"80%\"");
  }

  @Test
  void aSubWorkflowNamesTheTypeItRunsAndTakesOnlyTypeVersionAndInputs() {
    assertThat(messages("""
        type: t
        inputs: [{name: kind, type: string}]
        tasks:
          - {key: a, taskType: sub-workflow, params: {type: other, version: 2, inputs: {x: 1}}}
          - {key: b, taskType: sub-workflow, dependsOn: [a], params: {inputs: {id: "${tasks.a.outputs.experimentId}"}}}
          - {key: c, taskType: sub-workflow, params: {type: "${inputs.kind}", version: 0, inputs: [1], extra: 1}}
        """)).containsExactly(
        "tasks[1].params.type: a sub-workflow names the master DAG type it runs, written out",
        "tasks[2].params.type: a sub-workflow names the master DAG type it runs, written out",
        "tasks[2].params.version: must be a version number, at least 1",
        "tasks[2].params.inputs: must be an object: the child experiment's inputs",
        "tasks[2].params.extra: a sub-workflow takes type, version and inputs");
  }

  @Test
  void aWrittenListPastTheExpansionLimitIsRefused() {
    var validator = new MasterDagValidator(Templates.CATALOG, 3);
    var violations = validator.validate(Templates.yaml("""
        type: t
        tasks:
          - {key: a, taskType: env-setup, forEach: [1, 2, 3]}
          - {key: b, taskType: env-setup, matrix: {x: [1, 2], y: [1, 2]}}
        """));
    assertThat(violations).extracting(Violation::toString).containsExactly(
        "tasks[1].matrix: gives 4 members; at most 3 are allowed (weft.dag.max-expansion)");
  }

  @Test
  void aConditionThatDoesNotParseOrReadsWhatItMayNotIsRefusedNamingTheTask() {
    assertThat(messages("""
        type: t
        inputs: [{name: steps, type: integer}]
        tasks:
          - {key: a, taskType: env-setup, when: "inputs.steps > 1"}
          - {key: b, taskType: monitoring, dependsOn: [a], when: "tasks.a.outputs.workdir != null and inputs.steps >"}
          - {key: c, taskType: monitoring, dependsOn: [a], when: "T(java.lang.System).exit(1) == null"}
          - {key: d, taskType: monitoring, when: "tasks.a.outputs.workdir == 'x'"}
          - {key: e, taskType: monitoring, dependsOn: [a], when: "tasks.a.outputs.jobId == 'x'"}
        """)).containsExactly(
        "tasks[1].when: does not parse at position 49: Problem parsing right operand",
        "tasks[2].when: refers to a type, constructor or bean (T(java.lang.System)); a condition only reads values",
        "tasks[2].when: calls a method or function (exit(1)); a condition only reads values",
        "tasks[3].when: reads tasks.a (position 0), which is not upstream of 'd'; add it to dependsOn",
        "tasks[4].when: reads tasks.a.outputs.jobId (position 0): its task type has no output 'jobId'; it has [inputDir, logDir, outputDir, workdir]");
  }

  @Test
  void aSpeculativeTaskNeedsSiblingsAndGoesOnTheMonitorNotTheJobSubmission() {
    assertThat(messages("""
        type: t
        tasks:
          - {key: a, taskType: env-setup, speculative: true}
          - {key: run, taskType: job-submission, forEach: [1, 2], command: {template: [simulate]}, speculative: true}
          - {key: b, taskType: env-setup, forEach: [1, 2], speculative: {multiplier: 0.5, minimum: soon, every: PT1S}}
          - {key: c, taskType: env-setup, forEach: [1, 2], speculative: "yes"}
          - {key: d, taskType: env-setup, forEach: [1, 2], speculative: {multiplier: 2, minimum: PT10S}}
        """)).containsExactly(
            "tasks[0].speculative: applies to a task with forEach or matrix: a straggler is one that runs far longer than its siblings",
            "tasks[1].speculative: goes on the monitoring task that follows the job, which runs as long as the job does; its replica submits a job of its own",
            "tasks[2].speculative: has an unknown field 'every'; it takes multiplier and minimum",
            "tasks[2].speculative: multiplier must be a number from 1 to 1000",
            "tasks[2].speculative: minimum must be an ISO-8601 duration such as PT1M, not negative",
            "tasks[3].speculative: must be true, false, or {multiplier, minimum}");
    assertThat(messages("""
        type: t
        tasks:
          - {key: run, taskType: job-submission, forEach: [1, 2], command: {template: [simulate]}}
          - {key: watch, taskType: monitoring, forEach: [1, 2], params: {jobId: x}, speculative: true}
          - {key: follow, taskType: monitoring, dependsOn: [run], forEach: [1, 2], params: {jobId: x}, speculative: true}
        """)).containsExactly("tasks[1].speculative: a monitoring task's replica submits its job again: "
            + "the task must depend on the job-submission task whose job it follows");
  }

  private static List<String> messages(String yaml) {
    return VALIDATOR.validate(Templates.yaml(yaml)).stream().map(Violation::toString).toList();
  }
}
