package org.weft.orchestrator.model;

import java.time.Instant;
import org.weft.orchestrator.lifecycle.DeliveryState;

/**
 * One event for one webhook, in the delivery log.
 *
 * @param id            the {@code webhook-id} it is sent with, the same at every attempt
 * @param eventId       the event's id on the event stream, {@code experimentId/seq}
 * @param attempts      attempts made so far
 * @param nextAttemptAt when it is tried next, while pending
 * @param lastStatus    the endpoint's HTTP status at the last attempt, or null when there was none
 * @param lastError     why the last attempt failed, when it did
 */
public record WebhookDelivery(String id, String webhookId, String eventId, String eventType, String experimentId,
    DeliveryState state, int attempts, Instant createdAt, Instant lastAttemptAt, Instant nextAttemptAt,
    Integer lastStatus, String lastError) {}
