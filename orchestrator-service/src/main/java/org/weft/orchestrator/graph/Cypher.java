package org.weft.orchestrator.graph;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Component;

/** The engine's statements run through here, with the state names they use bound as parameters. */
@Component
class Cypher {

  private final Neo4jClient neo4j;

  Cypher(Neo4jClient neo4j) {
    this.neo4j = neo4j;
  }

  /** A statement, with the state names it uses bound ({@link States}). */
  Neo4jClient.RunnableSpec query(String statement) {
    return neo4j.query(statement).bindAll(States.of(statement));
  }

  static ZonedDateTime utcNow() {
    return ZonedDateTime.now(ZoneOffset.UTC);
  }

  static String nullToEmpty(String value) {
    return value == null ? "" : value;
  }
}
