package org.weft.task.inputstaging;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.weft.task.runtime.WorkerAutoConfiguration;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.hpc.RemoteHosts;

/** Registers the input-staging handler wherever this module is on the classpath (its own service, or the orchestrator). */
@AutoConfiguration(before = WorkerAutoConfiguration.class)
@ConditionalOnProperty(name = "weft.worker.enabled", havingValue = "true", matchIfMissing = true)
public class InputStagingAutoConfiguration {

  @Bean
  InputStagingHandler inputstagingHandler(WorkerProperties properties, RemoteHosts remotes) {
    return new InputStagingHandler(properties, remotes);
  }
}
