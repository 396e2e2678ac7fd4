package org.weft.task.noop;

import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.weft.task.runtime.WorkerAutoConfiguration;

/** Registers the noop handler wherever this module is on the classpath (its own service, or the orchestrator). */
@AutoConfiguration(before = WorkerAutoConfiguration.class)
@ConditionalOnProperty(name = "weft.worker.enabled", havingValue = "true", matchIfMissing = true)
public class NoopAutoConfiguration {

  @Bean
  NoopHandler noopHandler() {
    return new NoopHandler();
  }
}
