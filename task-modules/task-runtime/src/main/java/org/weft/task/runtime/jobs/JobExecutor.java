package org.weft.task.runtime.jobs;

/**
 * Where jobs run. The local-process executor ships with Weft; a batch scheduler (Slurm, PBS, HTCondor)
 * plugs in as another implementation registered as a bean, and job submission and monitoring use it
 * unchanged.
 */
public interface JobExecutor {

  /** Starts a job; returns its id, which {@link #status} and {@link #cancel} understand. */
  String submit(JobSpec spec) throws java.io.IOException;

  /** @throws UnknownJobException when there is no such job */
  JobStatus status(String jobId);

  /** Stops a job and everything it started; a job that has ended stays as it was. */
  void cancel(String jobId);

  class UnknownJobException extends RuntimeException {
    public UnknownJobException(String jobId) {
      super("no job '" + jobId + "'");
    }
  }
}
