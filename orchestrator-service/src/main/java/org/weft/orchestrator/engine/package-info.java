/**
 * The execution engine: takes submissions from the API, and drives each live DAG from its ready
 * nodes to its end. It calls the graph store ({@code dag}), and imports no controller or listener.
 */
package org.weft.orchestrator.engine;
