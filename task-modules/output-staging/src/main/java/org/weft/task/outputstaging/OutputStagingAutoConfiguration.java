package org.weft.task.outputstaging;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.weft.task.runtime.WorkerAutoConfiguration;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.hpc.RemoteHosts;

/** Registers the output-staging handler wherever this module is on the classpath (its own service, or the orchestrator). */
@AutoConfiguration(before = WorkerAutoConfiguration.class)
@ConditionalOnProperty(name = "weft.worker.enabled", havingValue = "true", matchIfMissing = true)
public class OutputStagingAutoConfiguration {

  @Bean
  OutputStagingHandler outputstagingHandler(WorkerProperties properties, RemoteHosts remotes) {
    return new OutputStagingHandler(properties, remotes);
  }
}
