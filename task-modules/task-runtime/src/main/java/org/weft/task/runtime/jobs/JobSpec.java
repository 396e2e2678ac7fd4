package org.weft.task.runtime.jobs;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job as a batch scheduler takes it.
 *
 * @param argv        the program and its arguments, each passed as is (never parsed by a shell)
 * @param environment the job's whole environment
 * @param workdir     where it runs
 * @param stdout      where its standard output goes
 * @param stderr      where its standard error goes
 * @param wallTime    when it is killed, or null for no limit
 * @param memoryBytes its address-space limit, or null for none
 */
public record JobSpec(List<String> argv, Map<String, String> environment, Path workdir, Path stdout, Path stderr,
    Duration wallTime, Long memoryBytes) {

  public JobSpec {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a job needs a program");
    }
  }
}
