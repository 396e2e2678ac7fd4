package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.GraphHistory;
import org.weft.orchestrator.testsupport.QueryPlans;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * Every statement the engine runs per result, per launch or per tick seeks what it needs; none scans.
 * Plans depend on what the database holds, so they are asked of one that has some history.
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HotStatementPlanIT {

  private static final Map<String, Object> PARAMETERS = Map.of(
      "ids", List.of("e-1", "e-2"),
      "results", List.of(Map.of("i", 0, "taskId", "t-1")),
      "rows", List.of(Map.ofEntries(Map.entry("i", 0), Map.entry("id", "e-1"), Map.entry("taskId", "t-1"),
          Map.entry("experimentId", "e-1"), Map.entry("dispatchId", "d-1"), Map.entry("attempt", 1),
          Map.entry("status", "SUCCEEDED"), Map.entry("running", false), Map.entry("workerId", "w-1"),
          Map.entry("outputs", "{}"), Map.entry("detail", "attempt 1"))),
      "groups", List.of(Map.of("id", "e-1", "events", List.of(Map.of("state", "RUNNING")))),
      "experiments", List.of(Map.of("experiment", Map.of("type", "history", "templateVersion", 1, "id", "e-1"),
          "tasks", List.of(Map.of("id", "t-1", "position", 0), Map.of("id", "t-2", "position", 1)),
          "edges", List.of(List.of(0, 1)), "created", Map.of("type", "experiment.state", "state", "CREATED"),
          "latest", true)),
      "taskId", "t-1",
      "now", 1L,
      "at", ZonedDateTime.now());

  @Value("${spring.neo4j.uri}")
  String boltUri;

  @Autowired
  Neo4jClient neo4j;

  @BeforeAll
  void aDatabaseWithSomeHistory() {
    GraphHistory.write(neo4j);
  }

  @AfterAll
  void forgetIt() {
    GraphHistory.forget(neo4j);
  }

  static List<Arguments> statements() {
    return List.of(
        Arguments.of("new experiments launched", Launches.CREATE_AND_LAUNCH),
        Arguments.of("a batch of results, what they made ready, their events", Results.APPLY_RESULTS),
        Arguments.of("the states of experiments taken in hand", ExperimentMoves.STATES),
        Arguments.of("experiments starting", Launches.START_EXECUTING),
        Arguments.of("attempts in flight sent again", Launches.IN_FLIGHT),
        Arguments.of("what a launch dispatches", Launches.LAUNCH_READY + Dispatching.MARK_DISPATCHED),
        Arguments.of("a result's node, locked", Results.LOCKED_NODE),
        Arguments.of("experiments done", ExperimentMoves.DONE_SINKS),
        Arguments.of("experiments completing", ExperimentMoves.COMPLETE),
        Arguments.of("expired attempts", Timers.EXPIRED),
        Arguments.of("attempts long queued", Timers.LONG_QUEUED),
        Arguments.of("due retries", Timers.DUE_RETRIES + Dispatching.MARK_DISPATCHED),
        Arguments.of("audit events", LiveDags.APPEND_EVENTS));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statements")
  void seeksAndNeverScans(String name, String statement) {
    assertThat(QueryPlans.scans(boltUri, statement, BoundStates.bound(statement, PARAMETERS))).isEmpty();
    // nor does it seek every executing experiment: that grows with the load, as a scan does
    assertThat(QueryPlans.broadSeeks(boltUri, statement, BoundStates.bound(statement, PARAMETERS))).isEmpty();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("statements")
  void usesNothingDeprecated(String name, String statement) {
    assertThat(QueryPlans.deprecations(boltUri, statement, BoundStates.bound(statement, PARAMETERS))).isEmpty();
  }
}
