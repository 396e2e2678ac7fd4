package org.weft.orchestrator.dag;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;
import org.weft.orchestrator.testsupport.QueryPlans;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/** Every statement the engine runs per result, per launch or per tick seeks; none scans. */
@WeftIntegrationTest
class HotStatementPlanIT {

  private static final Map<String, Object> PARAMETERS = Map.of(
      "ids", List.of("e-1", "e-2"),
      "results", List.of(Map.of("i", 0, "taskId", "t-1")),
      "rows", List.of(Map.of("i", 0, "taskId", "t-1", "experimentId", "e-1", "dispatchId", "d-1", "attempt", 1,
          "status", "SUCCEEDED", "running", false, "workerId", "w-1", "outputs", "{}", "detail", "attempt 1")),
      "groups", List.of(Map.of("id", "e-1", "events", List.of(Map.of("state", "RUNNING")))),
      "now", 1L,
      "at", ZonedDateTime.now());

  @Autowired
  Driver driver;

  static List<Arguments> statements() {
    return List.of(
        Arguments.of("a batch of results, what they made ready, their events", Executions.APPLY_RESULTS),
        Arguments.of("what a launch dispatches", Executions.LAUNCH_READY + Executions.MARK_DISPATCHED),
        Arguments.of("experiments done", Executions.DONE_SINKS),
        Arguments.of("expired attempts", Executions.EXPIRED),
        Arguments.of("due retries", Executions.DUE_RETRIES + Executions.MARK_DISPATCHED),
        Arguments.of("audit events", LiveDags.APPEND_EVENTS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statements")
  void seeksAndNeverScans(String name, String statement) {
    assertThat(QueryPlans.scans(driver, statement, PARAMETERS)).isEmpty();
  }
}
