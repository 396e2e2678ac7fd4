/**
 * The graph store: the only package that speaks Cypher. Master DAG versions, experiments and their
 * live DAGs, the audit trail and its outbox, each family of statements in its own class. Every
 * statement is parameterised, state names included (they come from the {@code lifecycle} enums).
 * It carries out what the engine decided and answers with typed rows; it decides nothing.
 */
package org.weft.orchestrator.graph;
