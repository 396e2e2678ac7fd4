package org.weft.orchestrator.model;

/** The outcome of registering a template: {@code created} is false when the content was already there. */
public record MasterDagRegistration(String type, int version, boolean created) {}
