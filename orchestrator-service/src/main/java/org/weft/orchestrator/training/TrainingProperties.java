package org.weft.orchestrator.training;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The launcher's training start; nothing here applies to a normal start.
 *
 * @param experiments  experiments of each of two shapes (a chain of ten {@code noop} tasks, and one,
 *                     eight in parallel, one) run before the training start exits; 0 (the default)
 *                     means this is not a training start. The workload runs only when ZooKeeper,
 *                     Kafka and Neo4j are all embedded and the API is in local mode, so that it
 *                     never writes to a real installation; otherwise the start exits once it is up.
 * @param concurrency  submissions in flight at once (default 8)
 * @param timeout      how long the workload may take before the training start gives up and exits
 *                     with status 1 (default {@code 5m})
 */
@ConfigurationProperties("weft.training")
record TrainingProperties(
    @DefaultValue("0") int experiments,
    @DefaultValue("8") int concurrency,
    @DefaultValue("5m") Duration timeout) {

  TrainingProperties {
    if (experiments < 0 || concurrency < 1) {
      throw new IllegalArgumentException("weft.training.experiments must be 0 or more and concurrency 1 or more");
    }
  }

  boolean enabled() {
    return experiments > 0;
  }
}
