package org.weft.task.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TopicsTest {

  @Test
  void namesEveryContractTopicUnderTheDefaultPrefix() {
    var topics = Topics.withDefaultPrefix();

    assertThat(topics.tasks("job-submission")).isEqualTo("weft.tasks.job-submission");
    assertThat(topics.taskResults()).isEqualTo("weft.task-results");
    assertThat(topics.taskControl()).isEqualTo("weft.task-control");
    assertThat(topics.experimentEvents()).isEqualTo("weft.experiment-events");
    assertThat(topics.deadLetter(topics.taskResults())).isEqualTo("weft.task-results.dlt");
  }

  @Test
  void keepsInstallationsApartByPrefix() {
    assertThat(new Topics("lab-a.").tasks("env-setup")).isEqualTo("lab-a.tasks.env-setup");
    assertThat(new Topics("").taskResults()).isEqualTo("task-results");
  }

  @ParameterizedTest
  @ValueSource(strings = {"Env", "-setup", "a b", "a/b", "a.b", "`x`", ""})
  void refusesTaskTypesThatCannotNameATopic(String taskType) {
    assertThatIllegalArgumentException().isThrownBy(() -> Topics.withDefaultPrefix().tasks(taskType));
  }

  @ParameterizedTest
  @ValueSource(strings = {"weft", "we ft.", "a/b."})
  void refusesPrefixesThatDoNotEndInASeparator(String prefix) {
    assertThatIllegalArgumentException().isThrownBy(() -> new Topics(prefix));
  }
}
