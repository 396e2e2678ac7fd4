package org.weft.embedded;

import org.neo4j.graphdb.GraphDatabaseService;
import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * Neo4j's health where it runs in this process: UP while the database is available and answers a
 * statement (Spring Boot's own check needs a driver over the network).
 */
final class InProcessNeo4jHealthIndicator extends AbstractHealthIndicator {

  private static final long AVAILABLE_WAIT_MILLIS = 500;

  private final GraphDatabaseService database;
  private final String boltUri;

  InProcessNeo4jHealthIndicator(GraphDatabaseService database, String boltUri) {
    super("Neo4j health check failed");
    this.database = database;
    this.boltUri = boltUri;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    builder.withDetail("server", "embedded, in process").withDetail("database", database.databaseName())
        .withDetail("bolt", boltUri);
    if (!database.isAvailable(AVAILABLE_WAIT_MILLIS)) {
      builder.down();
      return;
    }
    database.executeTransactionally("RETURN 1");
    builder.up();
  }
}
