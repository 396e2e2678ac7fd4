package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.DataState;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.task.api.DataFile;
import org.weft.task.api.TaskResult;

/**
 * The experiment's data lineage: each file a task reports as written or read is a
 * {@code :DataObject} of its experiment, identified by its resource and path, with
 * {@code (:TaskNode)-[:PRODUCED]->(:DataObject)} and {@code (:TaskNode)-[:CONSUMED]->(:DataObject)}.
 * Written in the transaction that applies the task's success, so a success is never recorded
 * without its files, nor files without their success.
 */
@Component
public class DataObjects {

  /**
   * For each success {@code r} ({@code taskId}, {@code experimentId}, {@code produced},
   * {@code consumed}): a re-run producer refreshes its objects (size, checksum, time, available
   * again); a consumer adds what it read, as the producer reported it or, new, as it reports it.
   */
  static final String RECORD = """
      UNWIND $results AS r
      MATCH (t:TaskNode {id: r.taskId}) USING INDEX SEEK t:TaskNode(id)
      CALL (r, t) {
        UNWIND r.produced AS f
        MERGE (d:DataObject {id: r.experimentId + '|' + f.resource + '|' + f.uri})
          ON CREATE SET d.experimentId = r.experimentId, d.uri = f.uri, d.resource = f.resource
        SET d.size = f.size, d.checksum = f.checksum, d.createdAt = $at, d.state = $available
        MERGE (t)-[:PRODUCED]->(d)
      }
      CALL (r, t) {
        UNWIND r.consumed AS f
        MERGE (d:DataObject {id: r.experimentId + '|' + f.resource + '|' + f.uri})
          ON CREATE SET d.experimentId = r.experimentId, d.uri = f.uri, d.resource = f.resource, d.size = f.size,
                        d.checksum = f.checksum, d.createdAt = $at, d.state = $available
        MERGE (t)-[:CONSUMED]->(d)
      }""";

  private final Neo4jClient neo4j;

  DataObjects(Neo4jClient neo4j) {
    this.neo4j = neo4j;
  }

  /** Records the files of successes just applied, in the caller's transaction, in one statement. */
  void record(List<TaskResult> successes) {
    var rows = new ArrayList<Map<String, Object>>();
    for (var result : successes) {
      var row = new HashMap<String, Object>();
      row.put("taskId", result.taskId());
      row.put("experimentId", result.experimentId());
      row.put("produced", result.produced().stream().map(DataObjects::row).toList());
      row.put("consumed", result.consumed().stream().map(DataObjects::row).toList());
      rows.add(row);
    }
    neo4j.query(RECORD).bindAll(Map.of("results", rows, "at", Cypher.utcNow(), "available", DataState.AVAILABLE.name()))
        .run();
  }

  private static Map<String, Object> row(DataFile file) {
    var row = new HashMap<String, Object>();
    row.put("uri", file.uri());
    row.put("resource", file.resource());
    row.put("size", file.size());
    row.put("checksum", file.checksum());
    return row;
  }

  /** The experiment's data objects, each with the task that produced it and those that consumed it. */
  public List<LiveDagViews.DataObject> of(String experimentId) {
    return neo4j.query("""
            MATCH (d:DataObject {experimentId: $id})
            OPTIONAL MATCH (p:TaskNode)-[:PRODUCED]->(d)
            WITH d, collect(p.key) AS producers
            OPTIONAL MATCH (c:TaskNode)-[:CONSUMED]->(d)
            WITH d, producers, collect(c.key) AS consumers
            RETURN d.uri AS uri, d.resource AS resource, d.size AS size, d.checksum AS checksum,
                   d.createdAt AS createdAt, d.state AS state, producers, consumers
            ORDER BY d.createdAt, d.uri""")
        .bind(experimentId).to("id")
        .fetchAs(LiveDagViews.DataObject.class)
        .mappedBy((types, row) -> new LiveDagViews.DataObject(row.get("uri").asString(), row.get("resource").asString(),
            row.get("size").isNull() ? null : row.get("size").asLong(), row.get("checksum").asString(null),
            row.get("createdAt").isNull() ? null : row.get("createdAt").asZonedDateTime().toInstant(),
            DataState.valueOf(row.get("state").asString()),
            row.get("producers").asList(v -> v.asString()).stream().sorted().findFirst().orElse(null),
            row.get("consumers").asList(v -> v.asString()).stream().sorted().toList()))
        .all().stream().toList();
  }
}
