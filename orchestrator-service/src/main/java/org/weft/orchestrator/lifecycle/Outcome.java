package org.weft.orchestrator.lifecycle;

/** What applying one result did. */
public enum Outcome {
  APPLIED,
  /** a repeat of a result already applied */
  DUPLICATE,
  /** a result of an attempt that is no longer current */
  STALE,
  /** no such task node */
  UNKNOWN
}
