package org.weft.orchestrator.model;

import java.time.Instant;

/**
 * One event of an experiment's audit trail as stored: what the event stream publishes.
 *
 * @param seq     its number in the experiment's trail, from 1, without gaps
 * @param taskKey the task it is about, or null for the experiment itself
 */
public record StoredEvent(String experimentId, long seq, Instant at, String type, String taskKey, String state,
    String detail) {}
