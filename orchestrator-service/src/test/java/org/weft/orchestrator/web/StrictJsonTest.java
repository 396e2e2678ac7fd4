package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import jakarta.validation.Validation;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.template.Violation;

class StrictJsonTest {

  private static final jakarta.validation.ValidatorFactory VALIDATION = Validation.buildDefaultValidatorFactory();
  private final StrictJson json = new StrictJson(VALIDATION.getValidator());

  @AfterAll
  static void close() {
    VALIDATION.close();
  }

  @Test
  void everyFaultOfASubmissionIsNamedOnceInTheRecordsOrder() {
    var body = """
        {"experimentType": "Not A Type", "name": "bell\\u0007", "gatewayId": "%s", "templateVersion": 0,
         "priority": -1}""".formatted("g".repeat(201));

    assertThatThrownBy(() -> json.readValid(body, SubmitExperimentRequest.class))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.violations()).containsExactly(
            new Violation("experimentType", "must match [a-z0-9][a-z0-9-]* and be at most 64 characters"),
            new Violation("name", "must be at most 200 characters without control characters"),
            new Violation("gatewayId", "must be at most 200 characters without control characters"),
            new Violation("templateVersion", "must be 1 or more"),
            new Violation("priority", "must be between 0 and 100")));
  }

  @Test
  void aMissingTypeIsRequiredAndTextMayBeAnyPrintableUnicode() {
    assertThatThrownBy(() -> json.readValid("{\"inputs\": {}}", SubmitExperimentRequest.class))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.violations()).containsExactly(new Violation("experimentType", "is required")));

    var request = json.readValid("""
        {"experimentType": "a-1", "name": "%s", "owner": "Ada Lovelace — ☃", "priority": 100, "templateVersion": 1}"""
        .formatted("é".repeat(200)), SubmitExperimentRequest.class);
    assertThat(request.name()).hasSize(200);
  }

  @Test
  void aC1ControlCharacterIsAControlCharacterToo() {
    assertThatThrownBy(() -> json.readValid("{\"experimentType\": \"a\", \"owner\": \"x\\u0085y\"}",
        SubmitExperimentRequest.class))
        .isInstanceOfSatisfying(BadRequestException.class,
            e -> assertThat(e.violations()).extracting(Violation::field).containsExactly("owner"));
  }

  @Test
  void aRerunNamesATaskKeyOrNothing() {
    assertThat(json.readValid("{}", ExperimentController.RerunRequest.class).fromTask()).isNull();
    assertThat(json.readValid("{\"fromTask\": \"stage-in\"}", ExperimentController.RerunRequest.class).fromTask())
        .isEqualTo("stage-in");
    assertThatThrownBy(() -> json.readValid("{\"fromTask\": \"../x\"}", ExperimentController.RerunRequest.class))
        .isInstanceOfSatisfying(BadRequestException.class, e -> assertThat(e.violations())
            .isEqualTo(List.of(new Violation("fromTask", "must be a task key, [a-z0-9][a-z0-9-]*, or a member's key such as run[3]"))));
  }
}
