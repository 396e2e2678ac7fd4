package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ConditionsTest {

  private static final Map<String, Object> DATA = Map.of(
      "inputs", Map.of("steps", 50L, "post-process", true, "mode", "fast"),
      "tasks", Map.of("stage-out", Map.of("outputs", Map.of("files", List.of(
          Map.of("name", "result.out"), Map.of("name", "CONVERGED"))))),
      "index", 2L);

  @Test
  void aConditionReadsInputsOutputsAndTheMember() {
    assertThat(Conditions.evaluate("inputs.steps > 10 and inputs['post-process']", DATA)).isTrue();
    assertThat(Conditions.evaluate("inputs.mode == 'slow' or index < 2", DATA)).isFalse();
    assertThat(Conditions.evaluate("tasks['stage-out'].outputs.files.^[name == 'CONVERGED'] != null", DATA)).isTrue();
    assertThat(Conditions.evaluate("tasks['stage-out'].outputs.files.^[name == 'DIVERGED'] == null", DATA)).isTrue();
  }

  @Test
  void aConditionThatDoesNotGiveTrueOrFalseOrReadsWhatIsNotThereCannotBeEvaluated() {
    assertThatThrownBy(() -> Conditions.evaluate("inputs.steps", DATA))
        .hasMessage("gave '50', not true or false");
    assertThatThrownBy(() -> Conditions.evaluate("inputs.nothing == 1", DATA))
        .isInstanceOf(Conditions.ConditionException.class).hasMessageStartingWith("cannot be evaluated: ");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "T(java.lang.Runtime).getRuntime().exec('touch /tmp/x') != null",
      "new java.io.File('/etc/passwd').exists()",
      "@environment != null",
      "inputs.mode.getClass() != null",
      "#systemProperties != null",
      "(inputs.mode = 'x') == 'x'"})
  void aConditionMayOnlyReadValues(String text) {
    assertThat(Conditions.parse(text).problems()).isNotEmpty();
    assertThatThrownBy(() -> Conditions.evaluate(text, DATA)).isInstanceOf(Conditions.ConditionException.class);
  }

  @Test
  void aConditionThatDoesNotParseNamesThePosition() {
    assertThatThrownBy(() -> Conditions.parse("inputs.steps >"))
        .isInstanceOf(Conditions.ConditionException.class).hasMessageStartingWith("does not parse at position");
  }

  @Test
  void theNamesAConditionReadsAreCheckedAgainstTheTemplate() {
    var task = new MasterDagDocument.TaskSpec("post", "env-setup", null, List.of("run"), null, null, null, "x", null, null, null,
        null, null, null, null, null);
    var problems = Conditions.check("inputs.steps > 1 and inputs.nope and tasks.run.outputs.exitCode == 0"
            + " and tasks.run.outputs.converged and tasks.other.outputs.x and item == 1 and foo", task,
        Set.of("steps"), Set.of("run"), key -> key.equals("run") ? Set.of("exitCode") : null);

    assertThat(problems).containsExactly(
        "reads inputs.nope (position 21), an input the template does not declare",
        "reads tasks.run.outputs.converged (position 73): its task type has no output 'converged'; it has [exitCode]",
        "reads tasks.other (position 105), which is not upstream of 'post'; add it to dependsOn",
        "reads item (position 131), which is only defined in a task with forEach or matrix",
        "reads 'foo' (position 145); a condition reads [index, inputs, item, tasks]");
  }

  @Test
  void aConditionTooLongIsRefusedBeforeItIsParsed() {
    var task = new MasterDagDocument.TaskSpec("post", "env-setup", null, List.<String>of(), null, null, null, "x", null, null, null,
        null, null, null, null, null);
    assertThat(Conditions.check("true or " + "true or ".repeat(200) + "true", task, Set.of(), Set.of(), key -> null))
        .singleElement().asString().startsWith("is 1612 characters long; at most 1000");
  }
}
