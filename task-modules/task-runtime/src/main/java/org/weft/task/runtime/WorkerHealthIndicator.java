package org.weft.task.runtime;

import org.springframework.boot.health.contributor.AbstractHealthIndicator;
import org.springframework.boot.health.contributor.Health;

/**
 * {@code worker} in {@code /actuator/health}: down while the consumer of one of this process's task
 * types has failed and is being started again (its registration is out of ZooKeeper meanwhile), with
 * each task type's consumer state, attempts taken and restarts.
 */
final class WorkerHealthIndicator extends AbstractHealthIndicator {

  private final WorkerRuntime runtime;

  WorkerHealthIndicator(WorkerRuntime runtime) {
    super("Worker health check failed");
    this.runtime = runtime;
  }

  @Override
  protected void doHealthCheck(Health.Builder builder) {
    (runtime.healthy() ? builder.up() : builder.down())
        .withDetail("workerId", runtime.workerId())
        .withDetail("taskTypes", runtime.lanes());
  }
}
