package org.weft.orchestrator.engine;

/** No master DAG of that type, or not in that version. */
public class UnknownMasterDagException extends RuntimeException {

  public UnknownMasterDagException(String type, Integer version) {
    super(version == null
        ? "No master DAG of type '%s'".formatted(type)
        : "No version %d of master DAG '%s'".formatted(version, type));
  }
}
