/**
 * Messaging over Kafka: the topics of the contract, the dispatcher that sends task dispatches and
 * the listener that receives task results, kept apart so that no package is both above and below
 * the engine.
 */
package org.weft.orchestrator.messaging;
