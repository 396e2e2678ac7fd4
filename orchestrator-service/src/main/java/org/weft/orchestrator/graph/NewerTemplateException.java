package org.weft.orchestrator.graph;

/**
 * A submission planned from what this instance knew as the newest version of its template was not
 * created, because another instance has registered a newer one since; it is planned again.
 */
public class NewerTemplateException extends RuntimeException {

  public NewerTemplateException(String experimentId, String type) {
    super("Experiment %s was planned from a version of master DAG %s that is no longer the newest"
        .formatted(experimentId, type));
  }
}
