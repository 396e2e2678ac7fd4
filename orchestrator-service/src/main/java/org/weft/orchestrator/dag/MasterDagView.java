package org.weft.orchestrator.dag;

import java.time.Instant;

/** A stored master DAG: the document as registered, with its version. */
public record MasterDagView(String type, int version, String checksum, Instant createdAt, MasterDagDocument document) {}
