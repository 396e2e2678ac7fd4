package org.weft.orchestrator.messaging;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Kafka topics and groups.
 *
 * @param topicPrefix       prepended to every topic name (default {@code weft.})
 * @param partitions        partitions of the topics Weft creates; results and dispatches are keyed
 *                          by experiment, so this caps how many instances share the work (default
 *                          {@code 12})
 * @param replicationFactor replicas of those topics; 1 for a single broker (default {@code 1})
 * @param consumerGroup     the orchestrators' consumer group on the results topic (default
 *                          {@code weft-orchestrator})
 */
@ConfigurationProperties("weft.messaging")
public record MessagingProperties(
    @DefaultValue("weft.") String topicPrefix,
    @DefaultValue("12") int partitions,
    @DefaultValue("1") short replicationFactor,
    @DefaultValue("weft-orchestrator") String consumerGroup) {}
