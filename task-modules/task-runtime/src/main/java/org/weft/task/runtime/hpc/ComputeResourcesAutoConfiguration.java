package org.weft.task.runtime.hpc;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.context.annotation.Bean;

/**
 * The compute resources and the SSH connections to them, in the orchestrator (which checks the
 * resources experiments name and reports on them) and in every task microservice (which use them).
 */
@AutoConfiguration(afterName = "org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration")
@EnableConfigurationProperties(ComputeResources.class)
public class ComputeResourcesAutoConfiguration {

  @Bean(destroyMethod = "close")
  RemoteHosts remoteHosts(ComputeResources resources, ObjectProvider<MeterRegistry> meters) {
    return new RemoteHosts(resources, meters.getIfAvailable(SimpleMeterRegistry::new));
  }
}
