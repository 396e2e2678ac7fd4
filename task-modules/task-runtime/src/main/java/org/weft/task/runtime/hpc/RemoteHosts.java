package org.weft.task.runtime.hpc;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.weft.task.runtime.TaskFailure;

/** The SSH connections of this process, one per remote compute resource, opened when first used. */
public final class RemoteHosts implements AutoCloseable {

  private final ComputeResources resources;
  private final MeterRegistry meters;
  private final Map<String, RemoteHost> hosts = new ConcurrentHashMap<>();
  private final Map<String, SlurmWatch> watches = new ConcurrentHashMap<>();

  public RemoteHosts(ComputeResources resources, MeterRegistry meters) {
    this.resources = resources;
    this.meters = meters;
  }

  public ComputeResources resources() {
    return resources;
  }

  /**
   * The resource a node names ({@code local} included).
   *
   * @throws TaskFailure (not retryable) for a name nobody configured
   */
  public ComputeResources.Resource resource(String name) {
    return resources.find(name)
        .orElseThrow(() -> TaskFailure.permanent("no compute resource '" + name + "' is configured"));
  }

  /** @throws TaskFailure (not retryable) for a name that is not a configured remote resource */
  public RemoteHost get(String name) {
    var resource = resource(name);
    if (resource.local()) {
      throw TaskFailure.permanent("resource '" + name + "' is this machine, not a remote host");
    }
    return hosts.computeIfAbsent(name, key -> {
      var host = new RemoteHost(key, resource);
      FunctionCounter.builder("weft.ssh.sessions", host, RemoteHost::sessionsOpened)
          .description("SSH sessions opened to a compute resource").tag("resource", key).register(meters);
      FunctionCounter.builder("weft.ssh.commands", host, RemoteHost::commandsRun)
          .description("remote commands run on a compute resource").tag("resource", key).register(meters);
      return host;
    });
  }

  /** The resource's scheduler: SLURM is the one remote scheduler so far. */
  public SlurmScheduler scheduler(String name) {
    return new SlurmScheduler(get(name));
  }

  /** The one watch of this process over the resource's jobs, started when first asked for. */
  public SlurmWatch watch(String name) {
    var host = get(name);
    return watches.computeIfAbsent(name, key -> new SlurmWatch(new SlurmScheduler(host)));
  }

  public RemoteFiles files(String name) {
    return new RemoteFiles(get(name));
  }

  @Override
  public void close() {
    watches.values().forEach(SlurmWatch::close);
    watches.clear();
    hosts.values().forEach(RemoteHost::close);
    hosts.clear();
  }
}
