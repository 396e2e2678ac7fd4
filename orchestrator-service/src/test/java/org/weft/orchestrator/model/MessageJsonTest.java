package org.weft.orchestrator.model;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.jayway.jsonpath.JsonPath;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;
import tools.jackson.core.JacksonException;

/** The JSON on the wire is the contract's: field names, status words, ISO-8601 instants. */
class MessageJsonTest {

  private final MessageJson json = new MessageJson();

  @Test
  void aDispatchHasTheContractsFields() {
    var dispatch = new TaskDispatch("d-1", "e-1", "e-1:run", "run", "job-submission", 2,
        Map.of("command", Map.of("template", List.of("simulate", 5))), Instant.parse("2026-11-22T10:15:30Z"));

    var text = json.write(dispatch);

    assertThat((Map<String, Object>) JsonPath.read(text, "$")).containsOnlyKeys(
        "dispatchId", "experimentId", "taskId", "taskKey", "taskType", "attempt", "context", "deadline");
    assertThat((String) JsonPath.read(text, "$.deadline")).isEqualTo("2026-11-22T10:15:30Z");
    assertThat(json.read(text, TaskDispatch.class)).isEqualTo(dispatch);
  }

  @Test
  void aResultReadsAsWorkersWriteIt() {
    var text = """
        {"dispatchId": "d-1", "experimentId": "e-1", "taskId": "e-1:run", "attempt": 1, "status": "FAILED",
         "outputs": {}, "error": {"message": "exit code 3", "retryable": false}, "workerId": "w-7",
         "at": "2026-11-22T10:15:30.123Z"}""";

    var result = json.read(text, TaskResult.class);

    assertThat(result.status()).isEqualTo(TaskResult.Status.FAILED);
    assertThat(result.error()).isEqualTo(new TaskResult.Error("exit code 3", false));
    assertThat(result.at()).isEqualTo(Instant.parse("2026-11-22T10:15:30.123Z"));
  }

  @Test
  void aControlForAWholeExperimentHasNoTask() {
    var text = json.write(TaskControl.cancelExperiment("e-1", TaskControl.Reason.EXPERIMENT_FAILED));

    assertThat((String) JsonPath.read(text, "$.command")).isEqualTo("CANCEL");
    assertThat((String) JsonPath.read(text, "$.reason")).isEqualTo("EXPERIMENT_FAILED");
    assertThat((Object) JsonPath.read(text, "$.taskId")).isNull();
    assertThat((Object) JsonPath.read(text, "$.dispatchId")).isNull();
  }

  @Test
  void aControlFromAnOlderSenderWithoutReasonOrAttemptCancelsTheExperimentsWork() {
    var control = json.read("{\"experimentId\": \"e-1\", \"taskId\": \"t-1\", \"command\": \"CANCEL\"}", TaskControl.class);

    assertThat(control.reason()).isEqualTo(TaskControl.Reason.EXPERIMENT_CANCELLED);
    assertThat(control.concerns("e-1", "t-1", "any-attempt")).isTrue();
  }

  @Test
  void somethingThatIsNoResultIsRefused() {
    assertThatThrownBy(() -> json.read("{\"dispatchId\": \"d\", \"status\": \"DONE\"}", TaskResult.class))
        .isInstanceOf(JacksonException.class);
    assertThatThrownBy(() -> json.read("{this is not json", TaskResult.class)).isInstanceOf(JacksonException.class);
  }
}
