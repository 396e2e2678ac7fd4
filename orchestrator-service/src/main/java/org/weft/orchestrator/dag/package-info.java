/**
 * Master DAG templates and live DAGs in Neo4j: parsing and validating templates, versioning them,
 * instantiating an experiment's live DAG with every node's full task context, and reading it back.
 * All Cypher is parameterised.
 */
package org.weft.orchestrator.dag;
