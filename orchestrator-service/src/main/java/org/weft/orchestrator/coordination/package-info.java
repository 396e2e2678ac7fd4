/**
 * Coordination through ZooKeeper: the one Curator client of the process, the registry of live
 * orchestrator instances and the {@code running-experiments} markers with their ephemeral owners.
 */
package org.weft.orchestrator.coordination;
