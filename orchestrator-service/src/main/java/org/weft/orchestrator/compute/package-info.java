/**
 * Outbound adapter to the compute resources: which are configured, and how they stand, asked over
 * SSH with the task runtime's clients. The only package of the orchestrator that reaches a cluster.
 */
package org.weft.orchestrator.compute;
