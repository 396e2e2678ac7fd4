package org.weft.task.noop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.weft.task.api.TaskDispatch;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;

class NoopHandlerTest {

  private final NoopHandler handler = new NoopHandler();

  @Test
  void itsOutputsAreItsParamsOutputsOrNone() {
    assertThat(handler.run(context(Map.of("outputs", Map.of("chunks", List.of("a", "b")))))).isEqualTo(
        Map.of("chunks", List.of("a", "b")));
    assertThat(handler.run(context(Map.of()))).isEmpty();
  }

  @Test
  void outputsThatAreNoObjectFailTheTaskForGood() {
    assertThatThrownBy(() -> handler.run(context(Map.of("outputs", List.of(1)))))
        .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isFalse())
        .hasMessage("params.outputs must be an object, one entry per output");
  }

  private static TaskContext context(Map<String, Object> params) {
    return new TaskContext(new TaskDispatch("d", "e", "e:split", "split", "noop", 1, Map.of("params", params),
        Instant.now().plusSeconds(60)), "test");
  }
}
