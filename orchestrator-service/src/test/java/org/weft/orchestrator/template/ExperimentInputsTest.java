package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.template.Violation;

class ExperimentInputsTest {

  private final MasterDagDocument template = Templates.yaml("""
      type: t
      inputs:
        - {name: file, type: uri, required: true}
        - {name: steps, type: integer, default: 10}
        - {name: alpha, type: number, default: 0.5}
        - {name: verbose, type: boolean}
        - {name: label, type: string}
      tasks: [{key: a, taskType: env-setup}]
      """);

  @Test
  void fillsDefaultsAndLeavesOptionalInputsWithoutValueEmpty() {
    var resolved = ExperimentInputs.resolve(template, Map.of("file", "https://example.org/in.dat"));

    assertThat(resolved).containsEntry("file", "https://example.org/in.dat").containsEntry("steps", 10L)
        .containsEntry("alpha", new BigDecimal("0.5")).containsEntry("verbose", null).containsEntry("label", null);
  }

  @Test
  void acceptsWholeNumbersWrittenAsDecimalsForIntegers() {
    var resolved = ExperimentInputs.resolve(template, Map.of("file", "file:///a", "steps", new BigDecimal("20.0")));

    assertThat(resolved).containsEntry("steps", 20L);
  }

  @Test
  void namesEveryProblemAtOnce() {
    var given = new HashMap<String, Object>();
    given.put("steps", "ten");
    given.put("verbose", "yes");
    given.put("colour", "red");

    assertThatThrownBy(() -> ExperimentInputs.resolve(template, given))
        .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations())
            .extracting(Violation::field)
            .containsExactlyInAnyOrder("inputs.file", "inputs.steps", "inputs.verbose", "inputs.colour"));
  }

  @Test
  void anExplicitNullForARequiredInputIsMissing() {
    var given = new HashMap<String, Object>();
    given.put("file", null);

    assertThatThrownBy(() -> ExperimentInputs.resolve(template, given))
        .isInstanceOfSatisfying(InvalidInputsException.class,
            e -> assertThat(e.violations()).containsExactly(new Violation("inputs.file", "is required (uri)")));
  }

  @Test
  void aNumberIsNotAString() {
    assertThatThrownBy(() -> ExperimentInputs.resolve(template, Map.of("file", "file:///a", "label", 3)))
        .isInstanceOfSatisfying(InvalidInputsException.class,
            e -> assertThat(e.violations()).extracting(Violation::field).containsExactly("inputs.label"));
  }

  @Test
  void aListInputTakesStringsNumbersAndBooleansAndNothingElse() {
    var lists = Templates.yaml("""
        type: t
        inputs: [{name: values, type: list, default: [1, 2]}]
        tasks: [{key: a, taskType: env-setup}]
        """);

    assertThat(ExperimentInputs.resolve(lists, Map.of()).get("values")).isEqualTo(List.of(1L, 2L));
    assertThat(ExperimentInputs.resolve(lists, Map.of("values", List.of("a", new BigDecimal("2.0"), 0.5, false))).get("values"))
        .isEqualTo(List.of("a", 2L, 0.5, false));
    for (var bad : List.<Object>of("1,2", List.of(List.of(1)), List.of(Map.of("a", 1)), Map.of("a", 1))) {
      assertThatThrownBy(() -> ExperimentInputs.resolve(lists, Map.of("values", bad)))
          .isInstanceOfSatisfying(InvalidInputsException.class, e -> assertThat(e.violations())
              .containsExactly(new Violation("inputs.values", "must be of type list")));
    }
  }
}
