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

  private static List<String> messages(String yaml) {
    return VALIDATOR.validate(Templates.yaml(yaml)).stream().map(Violation::toString).toList();
  }
}
