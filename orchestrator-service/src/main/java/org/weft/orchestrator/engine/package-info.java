/**
 * The execution engine: takes submissions and results from the inbound adapters, decides with the
 * {@code lifecycle} rules, and drives each live DAG from its ready nodes to its end through the
 * outbound adapters (the graph store, the Kafka senders, ZooKeeper). It imports no controller or
 * listener.
 */
package org.weft.orchestrator.engine;
