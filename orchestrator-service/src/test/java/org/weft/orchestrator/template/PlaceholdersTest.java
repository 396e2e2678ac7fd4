package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PlaceholdersTest {

  @Test
  void aValueThatIsExactlyOneInputKeepsTheInputsType() {
    assertThat(Placeholders.resolveInputs("${inputs.steps}", Map.of("steps", 100L))).isEqualTo(100L);
  }

  @Test
  void aReferenceInsideTextBecomesText() {
    assertThat(Placeholders.resolveInputs("--steps=${inputs.steps}", Map.of("steps", 100L))).isEqualTo("--steps=100");
  }

  @Test
  void taskOutputsWaitForDispatchTime() {
    var context = Map.of("cmd", List.of("run", "${tasks.a.outputs.path}", "${inputs.x}"));

    var atSubmission = Placeholders.resolveInputs(context, Map.of("x", "X"));
    assertThat(atSubmission).isEqualTo(Map.of("cmd", List.of("run", "${tasks.a.outputs.path}", "X")));

    var atDispatch = Placeholders.resolveTaskOutputs(atSubmission, Map.of("a", Map.of("path", "/w/in.dat")));
    assertThat(atDispatch).isEqualTo(Map.of("cmd", List.of("run", "/w/in.dat", "X")));
  }

  @Test
  void inputValuesAreNeverReinterpretedAsReferences() {
    var resolved = Placeholders.resolveInputs("${inputs.a}", Map.of("a", "${tasks.x.outputs.y}"));

    // a user's input that looks like a reference is data: resolving outputs at dispatch gives it back as written
    assertThat(Placeholders.resolveTaskOutputs(resolved, Map.of("x", Map.of("y", "expanded"))))
        .isEqualTo("${tasks.x.outputs.y}");
    assertThat(Placeholders.resolveTaskOutputs(Placeholders.resolveInputs("a ${inputs.a} b", Map.of("a", "$${HOME}")),
        Map.of())).isEqualTo("a $${HOME} b");
  }

  @Test
  void anEscapedReferenceBecomesLiteralOnlyAtDispatch() {
    var atSubmission = Placeholders.resolveInputs("price $${cost}", Map.of());
    assertThat(atSubmission).isEqualTo("price $${cost}");
    assertThat(Placeholders.resolveTaskOutputs(atSubmission, Map.of())).isEqualTo("price ${cost}");
  }

  @Test
  void findsReferencesInNestedValues() {
    var found = Placeholders.find(Map.of("a", List.of("${inputs.x}", Map.of("b", "${tasks.k.outputs.o} ${bad}"))));

    assertThat(found).containsExactlyInAnyOrder(
        new Placeholders.InputReference("inputs.x", "x"),
        new Placeholders.TaskOutputReference("tasks.k.outputs.o", "k", "o"),
        new Placeholders.UnknownReference("bad"));
  }
}
