package org.weft.orchestrator.testsupport;

import org.springframework.data.neo4j.core.Neo4jClient;

/**
 * A database with a past, for tests of query plans: Neo4j plans from its statistics, and a plan that
 * seeks on an empty database can scan on one that has run a few hundred experiments. The
 * experiments are ended ones, which the engine leaves alone; their ids start with {@code history-}.
 */
public final class GraphHistory {

  private GraphHistory() {}

  /** Writes 300 ended experiments of 10 chained tasks and 10 events each, and drops cached plans. */
  public static void write(Neo4jClient neo4j) {
    neo4j.query("""
            UNWIND range(1, 300) AS n
            CREATE (e:Experiment {id: 'history-' + n, state: CASE WHEN n % 3 = 0 THEN 'FAILED' ELSE 'COMPLETED' END,
                                  type: 'history', gatewayId: 'gw-history', createdAt: datetime(), eventSeq: 10,
                                  publishedSeq: 10})
            WITH e
            UNWIND range(0, 9) AS k
            CREATE (e)-[:HAS_TASK]->(:TaskNode {id: e.id + ':t' + k, experimentId: e.id, key: 't' + k, position: k,
                                                state: 'SUCCEEDED', isExecuted: true, attempt: 1})
            CREATE (:Event {experimentId: e.id, seq: k + 1, last: k + 1, types: ['task.state'], taskKeys: ['t' + k],
                            states: ['SUCCEEDED'], details: ['']})""").run();
    neo4j.query("""
            MATCH (e:Experiment)-[:HAS_TASK]->(a:TaskNode) WHERE e.id STARTS WITH 'history-'
            MATCH (b:TaskNode {id: a.experimentId + ':t' + (a.position + 1)})
            CREATE (a)-[:NEXT]->(b)""").run();
    neo4j.query("CALL db.clearQueryCaches()").run();
  }

  /** Removes what {@link #write} wrote. */
  public static void forget(Neo4jClient neo4j) {
    neo4j.query("""
            MATCH (e:Experiment) WHERE e.id STARTS WITH 'history-'
            OPTIONAL MATCH (e)-[:HAS_TASK]->(t:TaskNode)
            DETACH DELETE e, t""").run();
    neo4j.query("MATCH (v:Event) WHERE v.experimentId STARTS WITH 'history-' DELETE v").run();
  }
}
