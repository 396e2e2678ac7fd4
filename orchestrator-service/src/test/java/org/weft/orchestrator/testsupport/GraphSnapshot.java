package org.weft.orchestrator.testsupport;

import java.util.Map;
import org.springframework.data.neo4j.core.Neo4jClient;

/**
 * What a request can create in the graph: experiments, task nodes, templates and the edges between
 * them, and the content of every template. A refused request must leave it as it was. Audit events
 * and the progress of other experiments are left out: the engine changes them in the background.
 */
public record GraphSnapshot(long experiments, long taskNodes, long masterDags, long taskTemplates, long edges,
    String templateChecksums) {

  public static GraphSnapshot of(Neo4jClient neo4j) {
    Map<String, Object> row = neo4j.query("""
            CALL () { MATCH (e:Experiment) RETURN count(e) AS experiments }
            CALL () { MATCH (t:TaskNode) RETURN count(t) AS taskNodes }
            CALL () { MATCH (m:MasterDag) RETURN count(m) AS masterDags,
                             reduce(s = '', c IN collect(m.type + m.version + m.checksum) | s + c) AS checksums }
            CALL () { MATCH (t:TaskTemplate) RETURN count(t) AS taskTemplates }
            CALL () { MATCH ()-[r:NEXT|HAS_TASK|INSTANCE_OF|HAS_TEMPLATE]->() RETURN count(r) AS edges }
            RETURN experiments, taskNodes, masterDags, taskTemplates, edges, checksums""")
        .fetch().one().orElseThrow();
    return new GraphSnapshot(number(row, "experiments"), number(row, "taskNodes"), number(row, "masterDags"),
        number(row, "taskTemplates"), number(row, "edges"), String.valueOf(row.get("checksums")));
  }

  private static long number(Map<String, Object> row, String key) {
    return ((Number) row.get(key)).longValue();
  }
}
