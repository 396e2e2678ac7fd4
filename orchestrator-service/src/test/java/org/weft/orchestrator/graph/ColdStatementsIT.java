package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

@WeftIntegrationTest
class ColdStatementsIT {

  @Autowired
  ColdStatements coldStatements;

  @Autowired
  Neo4jClient neo4j;

  @Test
  void theMadeUpExperimentIsExpandedAndDispatchedThenLeavesNothingBehind() {
    int dispatches = coldStatements.plan();

    // both members of the first repeated task, and the node whose condition holds
    assertThat(dispatches).isEqualTo(3);
    assertThat(neo4j.query("MATCH (n) WHERE n.id STARTS WITH 'weft-cold-statements-' "
        + "OR n.experimentId STARTS WITH 'weft-cold-statements-' RETURN count(n)").fetchAs(Long.class).one()).contains(0L);
  }
}
