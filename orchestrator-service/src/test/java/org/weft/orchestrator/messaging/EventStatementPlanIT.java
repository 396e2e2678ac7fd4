package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;
import org.weft.orchestrator.testsupport.QueryPlans;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/** The event publisher's statements cost in proportion to what is unpublished, not to every event ever written. */
@WeftIntegrationTest
class EventStatementPlanIT {

  @Autowired
  Driver driver;

  @Test
  void findingExperimentsWithUnpublishedEventsSeeks() {
    assertThat(QueryPlans.scans(driver, EventPublisher.PENDING, Map.of("cutoff", 1L, "batch", 500))).isEmpty();
  }

  @Test
  void readingAnExperimentsUnpublishedEventsSeeks() {
    assertThat(QueryPlans.scans(driver, EventPublisher.UNPUBLISHED, Map.of("id", "e-1", "after", 3L, "batch", 500)))
        .isEmpty();
  }

  @Test
  void markingEventsPublishedSeeks() {
    assertThat(QueryPlans.scans(driver, EventPublisher.MARK_PUBLISHED,
        Map.of("marks", List.of(Map.of("id", "e-1", "first", 1L, "last", 3L))))).isEmpty();
  }

}
