package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.DataState;
import org.weft.orchestrator.template.MasterDagDocument;
import org.weft.task.api.DataFile;
import org.weft.task.api.TaskControl;

/**
 * The files a completed experiment keeps no more ({@code retain: outputs} or {@code none}): their
 * data objects become {@code COLLECTED} and the workers that handle files are told to delete them.
 * An experiment completing with such a policy is labelled {@code :Collecting} in the transaction
 * that completes it; its collection, in a transaction of its own after that one, removes the label,
 * so one interrupted by a crash is found again. The objects stay, with their lineage: a task that
 * needs one later finds it missing and it is re-created like a lost one.
 */
@Component
public class DataCollection {

  /**
   * The files experiment {@code $id} wrote that it keeps no more, marked collected: under
   * {@code outputs} those some task of it read (an output is what none read), under {@code none}
   * all of them; only those still there as far as is known, and only those a task that needs them
   * again can have re-created: each read only by tasks that follow the one that wrote it directly
   * (a task checks the files its predecessors wrote).
   */
  static final String COLLECT = """
      MATCH (e:Experiment:Collecting {id: $id})
      REMOVE e:Collecting
      WITH e
      MATCH (e)-[:HAS_TASK]->(p:TaskNode)-[:PRODUCED]->(d:DataObject)
      WHERE d.state = $available AND (e.retain = $none OR EXISTS { (d)<-[:CONSUMED]-(:TaskNode) })
        AND NOT EXISTS { MATCH (d)<-[:CONSUMED]-(c:TaskNode) WHERE NOT EXISTS { (p)-[:NEXT]->(c) } }
      WITH DISTINCT d
      SET d.state = $collected, d.collectedAt = $at
      RETURN d.uri AS uri, d.resource AS resource""";

  private final Cypher cypher;

  DataCollection(Cypher cypher) {
    this.cypher = cypher;
  }

  /** Completed experiments whose files are waiting to be collected, at most {@code limit}. */
  public List<String> pending(int limit) {
    return List.copyOf(cypher.query("MATCH (e:Collecting) RETURN e.id AS id LIMIT $limit")
        .bind(limit).to("limit").fetchAs(String.class).all());
  }

  /**
   * Marks the files of a completed experiment that it keeps no more collected, in the caller's
   * transaction.
   *
   * @return the commands that tell the workers to delete them, to send once committed
   */
  public List<TaskControl> collect(String experimentId) {
    var files = cypher.query(COLLECT)
        .bindAll(Map.of("id", experimentId, "available", DataState.AVAILABLE.name(),
            "collected", DataState.COLLECTED.name(), "none", MasterDagDocument.Retain.NONE.value(),
            "at", Cypher.utcNow()))
        .fetchAs(DataFile.class)
        .mappedBy((types, row) -> new DataFile(row.get("uri").asString(), row.get("resource").asString(), null, null))
        .all();
    var commands = new ArrayList<TaskControl>();
    var chunk = new ArrayList<DataFile>();
    for (var file : files) {
      chunk.add(file);
      if (chunk.size() == TaskControl.MAX_FILES) {
        commands.add(TaskControl.collect(experimentId, chunk));
        chunk = new ArrayList<>();
      }
    }
    if (!chunk.isEmpty()) {
      commands.add(TaskControl.collect(experimentId, chunk));
    }
    return commands;
  }
}
