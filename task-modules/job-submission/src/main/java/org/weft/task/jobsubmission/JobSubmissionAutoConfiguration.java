package org.weft.task.jobsubmission;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.weft.task.runtime.WorkerAutoConfiguration;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.hpc.RemoteHosts;
import org.weft.task.runtime.jobs.JobExecutor;

/** Registers the job-submission handler wherever this module is on the classpath (its own service, or the orchestrator). */
@AutoConfiguration(before = WorkerAutoConfiguration.class)
@ConditionalOnProperty(name = "weft.worker.enabled", havingValue = "true", matchIfMissing = true)
public class JobSubmissionAutoConfiguration {

  @Bean
  JobSubmissionHandler jobsubmissionHandler(WorkerProperties properties, RemoteHosts remotes, ObjectProvider<JobExecutor> executor) {
    return new JobSubmissionHandler(properties, remotes, executor);
  }
}
