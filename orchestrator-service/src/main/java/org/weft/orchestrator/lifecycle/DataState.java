package org.weft.orchestrator.lifecycle;

/**
 * Whether a data object's file is there. A file a task reports, as written or read, is
 * {@link #AVAILABLE}; one found missing or changed is {@link #LOST}; one deleted on purpose once
 * nothing needs it is {@link #COLLECTED}. The object stays in the graph in every state, so its
 * lineage does.
 */
public enum DataState {
  AVAILABLE,
  LOST,
  COLLECTED
}
