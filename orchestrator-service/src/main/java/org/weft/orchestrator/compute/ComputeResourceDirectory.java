package org.weft.orchestrator.compute;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.ComputeResourceStatus;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteHosts;

/**
 * The compute resources of this installation ({@code weft.resources}), and a look at each: one
 * {@code squeue} over the resource's SSH session, kept for a few seconds so that a page that polls
 * the list does not poll the cluster.
 */
@Component
public class ComputeResourceDirectory {

  private static final Duration KEEP = Duration.ofSeconds(5);

  private final ComputeResources resources;
  private final RemoteHosts remotes;
  private final Map<String, Looked> looks = new ConcurrentHashMap<>();

  private record Looked(Instant at, ComputeResourceStatus status) {}

  ComputeResourceDirectory(ComputeResources resources, RemoteHosts remotes) {
    this.resources = resources;
    this.remotes = remotes;
  }

  public Set<String> names() {
    return resources.all().keySet();
  }

  public List<ComputeResourceStatus> statuses() {
    var statuses = new ArrayList<ComputeResourceStatus>();
    resources.all().forEach((name, resource) -> statuses.add(resource.local()
        ? new ComputeResourceStatus(name, "local", null, true, null, null, null, null)
        : looked(name, resource)));
    return statuses;
  }

  private ComputeResourceStatus looked(String name, ComputeResources.Resource resource) {
    var earlier = looks.get(name);
    if (earlier != null && earlier.at().plus(KEEP).isAfter(Instant.now())) {
      return earlier.status();
    }
    var status = look(name, resource);
    looks.put(name, new Looked(Instant.now(), status));
    return status;
  }

  private ComputeResourceStatus look(String name, ComputeResources.Resource resource) {
    try {
      var exec = remotes.get(name).run("squeue -h -u \"$(id -un)\" -t PENDING,CONFIGURING,RUNNING,COMPLETING -o '%T %j'", null);
      if (!exec.ok()) {
        return new ComputeResourceStatus(name, "slurm", resource.host(), false,
            "squeue failed: " + exec.stderr().strip(), null, null, resource.maxJobs());
      }
      int queued = 0;
      int running = 0;
      for (var line : exec.stdout().split("\n")) {
        var fields = line.strip().split(" ", 2);
        if (fields.length == 2 && fields[1].startsWith("weft-")) {
          if (fields[0].equals("RUNNING") || fields[0].equals("COMPLETING")) {
            running++;
          } else {
            queued++;
          }
        }
      }
      return new ComputeResourceStatus(name, "slurm", resource.host(), true, null, queued, running, resource.maxJobs());
    } catch (TaskFailure e) {
      return new ComputeResourceStatus(name, "slurm", resource.host(), false, e.getMessage(), null, null,
          resource.maxJobs());
    }
  }
}
