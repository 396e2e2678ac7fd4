package org.weft.orchestrator.model;

import java.time.Instant;
import org.weft.orchestrator.template.MasterDagDocument;

/** A stored master DAG: the document as registered, with its version. */
public record MasterDagView(String type, int version, String checksum, Instant createdAt, MasterDagDocument document) {}
