/**
 * The life of experiments and tasks: their states, the legal moves between them, and the rules that
 * decide what a result, a timeout, a cancel or a rerun does. Pure functions from typed snapshots to
 * decisions, unit tested without Neo4j; the engine applies them and the graph store writes them.
 */
package org.weft.orchestrator.lifecycle;
