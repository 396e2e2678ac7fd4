package org.weft.orchestrator.dag;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class GraphSchemaIT {

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  GraphSchema schema;

  @Test
  void theUniquenessConstraintsOfTheContractExist() {
    var constraints = neo4j.query("SHOW CONSTRAINTS YIELD name RETURN name").fetchAs(String.class).all();

    assertThat(constraints).contains("experiment_id", "task_node_id", "master_dag_type_version", "experiment_idempotency_key");
  }

  @Test
  void applyingTheSchemaAgainChangesNothing() {
    var before = neo4j.query("SHOW INDEXES YIELD name RETURN count(*) AS n").fetchAs(Long.class).one().orElseThrow();

    schema.apply();

    assertThat(neo4j.query("SHOW INDEXES YIELD name RETURN count(*) AS n").fetchAs(Long.class).one()).contains(before);
  }

  @Test
  void indexesNoQueryUsesAreDroppedFromAnOlderDatabase() {
    neo4j.query("CREATE INDEX task_node_state IF NOT EXISTS FOR (t:TaskNode) ON (t.state)").run();

    schema.apply();

    assertThat(neo4j.query("SHOW INDEXES YIELD name RETURN name").fetchAs(String.class).all())
        .doesNotContain("task_node_state", "task_node_dispatch").contains("task_node_experiment_state");
  }

  @Test
  void aSecondMasterDagWithTheSameTypeAndVersionIsRefusedByTheDatabase() {
    neo4j.query("CREATE (:MasterDag {type: 'schema-probe', version: 1})").run();
    try {
      assertThatThrownBy(() -> neo4j.query("CREATE (:MasterDag {type: 'schema-probe', version: 1})").run())
          .isInstanceOf(DataIntegrityViolationException.class);
    } finally {
      // the context is shared: a bare MasterDag would show up in other tests' listings
      neo4j.query("MATCH (m:MasterDag {type: 'schema-probe'}) DELETE m").run();
    }
  }
}
