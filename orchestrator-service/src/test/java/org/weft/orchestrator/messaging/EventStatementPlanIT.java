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
  void readingTheUnpublishedEventsSeeks() {
    assertThat(QueryPlans.scans(driver, EventPublisher.UNPUBLISHED, Map.of("batch", 500))).isEmpty();
  }

  @Test
  void markingEventsPublishedSeeks() {
    assertThat(QueryPlans.scans(driver, EventPublisher.MARK_PUBLISHED,
        Map.of("keys", List.of(Map.of("experimentId", "e-1", "seq", 1L))))).isEmpty();
  }
}
