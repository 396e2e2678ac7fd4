package org.weft.task.runtime;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The task runtime and the task microservices built on it.
 *
 * @param enabled           run the task handlers of this process (default {@code true}); an
 *                          orchestrator that leaves the work to separately deployed task
 *                          microservices sets it to {@code false}
 * @param id                this worker's id in ZooKeeper and in results (default: host name, process
 *                          id and a random suffix)
 * @param taskTypes         which of the handlers present run here (default: all of them)
 * @param concurrency       attempts run at once per task type (default {@code 4})
 * @param heartbeatInterval how often a running attempt sends a {@code RUNNING} heartbeat and the
 *                          ZooKeeper registration its load; well under the templates' heartbeat
 *                          timeout (default {@code 5s})
 * @param shutdownGrace     how long running attempts have to finish at shutdown before they are
 *                          cancelled and handed back as retryable failures (default {@code 20s})
 * @param remembered        how many finished dispatch ids are remembered, with their results, to
 *                          answer repeats (default {@code 10000})
 * @param workspace         the root of the experiments' working directories (default
 *                          {@code ./data/workspace}); task microservices of one installation share it
 * @param stateDir          where this worker process keeps what must outlive it: the journal of the
 *                          dispatches it ran, one file per task type (default {@code ./data/worker};
 *                          the orchestrator's embedded workers use {@code worker} in its data
 *                          directory). Keep it on a local disk: instances started from one
 *                          directory each take a journal of their own in it
 * @param staging           input and output staging
 * @param jobs              job submission and monitoring
 */
@ConfigurationProperties("weft.worker")
public record WorkerProperties(
    @DefaultValue("true") boolean enabled,
    String id,
    @DefaultValue List<String> taskTypes,
    @DefaultValue("4") int concurrency,
    @DefaultValue("5s") Duration heartbeatInterval,
    @DefaultValue("20s") Duration shutdownGrace,
    @DefaultValue("10000") int remembered,
    @DefaultValue("./data/workspace") String workspace,
    @DefaultValue("./data/worker") String stateDir,
    @DefaultValue Staging staging,
    @DefaultValue Jobs jobs) {

  public WorkerProperties {
    if (concurrency < 1) {
      throw new IllegalArgumentException("weft.worker.concurrency must be at least 1: " + concurrency);
    }
  }

  /**
   * @param allowedRoots    directories {@code file://} inputs may come from, besides the workspace
   *                        (default: none)
   * @param maxDownloadSize the largest {@code http(s)://} input accepted (default {@code 1GB})
   * @param connectTimeout  for {@code http(s)://} inputs (default {@code 10s})
   * @param readTimeout     the longest wait for data from an {@code http(s)://} input (default
   *                        {@code 60s})
   * @param outputs         where output staging collects each experiment's outputs, one directory
   *                        per experiment (default: {@code outputs} in the workspace)
   * @param allowedHosts    hosts ({@code data.internal}) and CIDR blocks ({@code 10.1.0.0/16}) that
   *                        {@code http(s)://} inputs may reach although they are loopback, private or
   *                        link-local addresses; such addresses are refused otherwise, also after a
   *                        redirect (default: none)
   */
  public record Staging(
      @DefaultValue List<String> allowedRoots,
      @DefaultValue("1GB") DataSize maxDownloadSize,
      @DefaultValue("10s") Duration connectTimeout,
      @DefaultValue("60s") Duration readTimeout,
      String outputs,
      @DefaultValue List<String> allowedHosts) {

    public List<Path> allowedRootDirs() {
      return allowedRoots.stream().map(WorkerProperties::absolute).toList();
    }
  }

  /**
   * @param programDirs  where the programs named by command templates are looked up (default:
   *                     {@code task-modules/job-submission/programs}); a program outside them is
   *                     refused
   * @param pollInterval how often monitoring looks at a job (default {@code 1s})
   * @param stderrTail   how much of the end of stderr a failed job's error carries (default
   *                     {@code 2KB})
   */
  public record Jobs(
      @DefaultValue("task-modules/job-submission/programs") List<String> programDirs,
      @DefaultValue("1s") Duration pollInterval,
      @DefaultValue("2KB") DataSize stderrTail) {

    public List<Path> programDirectories() {
      return programDirs.stream().map(WorkerProperties::absolute).toList();
    }
  }

  /** The workspace as an absolute path (paths are kept as text: Spring's conversion to Path refuses {@code ..}). */
  public Path workspaceDir() {
    return absolute(workspace);
  }

  public Path stateDirectory() {
    return absolute(stateDir);
  }

  public Path outputs() {
    return staging.outputs() != null ? absolute(staging.outputs()) : workspaceDir().resolve("outputs");
  }

  static Path absolute(String path) {
    return Path.of(path).toAbsolutePath().normalize();
  }
}
