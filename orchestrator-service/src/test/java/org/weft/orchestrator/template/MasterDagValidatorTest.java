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
        """)).isEmpty();
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
        """)).containsExactly(
        "tasks[0].forEach: ${inputs.steps} is of type integer; forEach and matrix need a list",
        "tasks[1].forEach: must be a list, or exactly one ${inputs.NAME} of an input of type list",
        "tasks[2].forEach: ${inputs.nope} refers to an input the template does not declare",
        "tasks[3].forEach: the elements of a list must be strings, numbers or booleans",
        "tasks[4]: has both forEach and matrix; a task repeats over one of them",
        "tasks[5].matrix.bad-name: a dimension's name must match [A-Za-z][A-Za-z0-9_]*, as ${item.NAME} reads it");
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

  private static List<String> messages(String yaml) {
    return VALIDATOR.validate(Templates.yaml(yaml)).stream().map(Violation::toString).toList();
  }
}
