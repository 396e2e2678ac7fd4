package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.GraphHistory;
import org.weft.orchestrator.testsupport.QueryPlans;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * The event publisher's statements cost in proportion to what is unpublished, not to every event ever
 * written; plans are asked of a database that has some history.
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EventStatementPlanIT {

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

  @Test
  void findingExperimentsWithUnpublishedEventsSeeks() {
    assertThat(QueryPlans.scans(boltUri, EventOutbox.PENDING, Map.of("cutoff", 1L, "batch", 500))).isEmpty();
  }

  @Test
  void readingAnExperimentsUnpublishedEventsSeeks() {
    assertThat(QueryPlans.scans(boltUri, EventOutbox.UNPUBLISHED, Map.of("id", "e-1", "after", 3L, "batch", 500)))
        .isEmpty();
  }

  @Test
  void markingEventsPublishedSeeks() {
    var parameters = Map.<String, Object>of("marks", List.of(Map.of("id", "e-1", "first", 1L, "last", 3L)),
        "ended", List.of("COMPLETED", "FAILED", "CANCELLED"));
    assertThat(QueryPlans.scans(boltUri, EventOutbox.MARK_PUBLISHED, parameters)).isEmpty();
    assertThat(QueryPlans.broadSeeks(boltUri, EventOutbox.MARK_PUBLISHED, parameters)).isEmpty();
  }

}
