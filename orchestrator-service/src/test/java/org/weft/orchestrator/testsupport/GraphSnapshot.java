package org.weft.orchestrator.testsupport;

import java.util.Map;
import org.springframework.data.neo4j.core.Neo4jClient;

/**
 * Counts of everything in the graph, and a digest of every property, to show that a refused request
 * changed nothing.
 */
public record GraphSnapshot(long nodes, long relationships, long propertyDigest) {

  public static GraphSnapshot of(Neo4jClient neo4j) {
    Map<String, Object> row = neo4j.query("""
            CALL () { MATCH (n) RETURN count(n) AS nodes, sum(size(keys(n))) AS nodeProperties }
            CALL () { MATCH ()-[r]->() RETURN count(r) AS relationships }
            RETURN nodes, relationships, nodeProperties""")
        .fetch().one().orElseThrow();
    return new GraphSnapshot(((Number) row.get("nodes")).longValue(), ((Number) row.get("relationships")).longValue(),
        ((Number) row.get("nodeProperties")).longValue());
  }
}
