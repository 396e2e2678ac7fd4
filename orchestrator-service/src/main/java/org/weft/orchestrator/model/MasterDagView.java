package org.weft.orchestrator.model;

import java.time.Instant;
import org.weft.orchestrator.template.MasterDagDocument;

/**
 * A stored master DAG: the document as registered, with its version.
 *
 * @param gatewayId the gateway whose own template this is; null for a shared one, which every
 *                  gateway may run
 */
public record MasterDagView(String type, int version, String checksum, Instant createdAt, MasterDagDocument document,
    String gatewayId) {

  /** Whether an experiment of this gateway (null: none) may run this template. */
  public boolean usableBy(String gateway) {
    return gatewayId == null || gatewayId.equals(gateway);
  }
}
