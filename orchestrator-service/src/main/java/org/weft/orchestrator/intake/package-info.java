/**
 * Inbound adapters from Kafka: the listener of task results. Kept apart from the outbound
 * {@code messaging} package so that no package is both above and below the engine.
 */
package org.weft.orchestrator.intake;
