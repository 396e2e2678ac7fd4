package org.weft.task.monitoring;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.files.DeclaredFiles;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.hpc.RemoteHosts;
import org.weft.task.runtime.hpc.SlurmJobState;
import org.weft.task.runtime.jobs.JobExecutor;
import org.weft.task.runtime.jobs.JobStatus;

/**
 * Follows the job {@code params.jobId} until it ends, reporting its state and run time with the
 * heartbeats. Outputs {@code exitCode}, {@code runTime}, {@code stdout} and {@code stderr}; a job
 * that exits non-zero, times out or is lost fails the node, with the tail of its stderr. Cancelling
 * the node cancels the job. A local job's success reports the files {@code params.outputs} names
 * ({@link DeclaredFiles}) as produced.
 *
 * <p>A job on a SLURM resource is followed through the resource's {@link SlurmWatch}: one scheduler
 * query per poll interval for every job this service follows there. Queued, it reports its queue
 * wait and SLURM's reason; a job the cluster ended (node failure, pre-emption) fails retryably, one
 * that ended badly by itself (exit code, memory, time, cancel) for good.
 */
public class MonitoringHandler implements TaskHandler {

  private final WorkerProperties properties;
  private final RemoteHosts remotes;
  private final ObjectProvider<JobExecutor> executor;

  MonitoringHandler(WorkerProperties properties, RemoteHosts remotes, ObjectProvider<JobExecutor> executor) {
    this.properties = properties;
    this.remotes = remotes;
    this.executor = executor;
  }

  @Override
  public String taskType() {
    return "monitoring";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    var jobId = context.params().get("jobId");
    if (!(jobId instanceof String id) || id.isBlank()) {
      throw TaskFailure.permanent("params.jobId is missing");
    }
    var resource = remotes.resource(context.resource());
    if (!resource.local()) {
      return followRemote(context, id);
    }
    var jobs = executor.getObject();
    context.onCancel(() -> jobs.cancel(id));
    while (true) {
      JobStatus status;
      try {
        status = jobs.status(id);
      } catch (JobExecutor.UnknownJobException e) {
        throw TaskFailure.permanent(e.getMessage());
      }
      switch (status.state()) {
        case RUNNING -> {
          context.progress(Map.of("jobId", id, "state", "RUNNING",
              "runTime", Duration.between(status.startedAt(), Instant.now()).withNanos(0).toString()));
          if (context.awaitCancellation(properties.jobs().pollInterval())) {
            context.checkCancelled();
          }
        }
        case LOST -> throw TaskFailure.permanent("job " + id + " is lost: " + status.reason());
        case ENDED -> {
          var runTime = Duration.between(status.startedAt(), status.endedAt()).toString();
          if (status.exitCode() != 0 || status.reason() != null) {
            throw TaskFailure.permanent("job %s %s%s; stderr ends with: %s".formatted(id,
                status.reason() == null ? "exited with code " + status.exitCode() : status.reason(),
                status.reason() == null ? "" : " (exit code " + status.exitCode() + ")", tail(status.stderr())));
          }
          // what the template says the job wrote, for the experiment's lineage
          DeclaredFiles.local(List.of(properties.workspaceDir()), context.params().get("outputs"), "params.outputs")
              .forEach(context::produced);
          var outputs = new LinkedHashMap<String, Object>();
          outputs.put("exitCode", status.exitCode());
          outputs.put("runTime", runTime);
          outputs.put("stdout", status.stdout());
          outputs.put("stderr", status.stderr());
          return outputs;
        }
      }
    }
  }

  private Map<String, Object> followRemote(TaskContext context, String jobId) throws InterruptedException {
    var watch = remotes.watch(context.resource());
    var scheduler = watch.scheduler();
    context.onCancel(() -> scheduler.cancel(jobId));
    watch.follow(jobId);
    try {
      var firstSeen = Instant.now();
      Instant runningSince = null;
      Duration queueWait = Duration.ZERO;
      var interval = Duration.ofMillis(Math.min(1_000, scheduler.host().resource().pollInterval().toMillis()));
      while (true) {
        var seen = watch.seen(jobId);
        var state = seen.state();
        if (seen.lost()) {
          throw TaskFailure.permanent("SLURM job %s is not known to resource '%s' and recorded no exit code"
              .formatted(jobId, context.resource()));
        }
        if (state != null) {
          switch (state.phase()) {
            case QUEUED -> {
              queueWait = Duration.between(firstSeen, Instant.now()).withNanos(0);
              var progress = new LinkedHashMap<String, Object>();
              progress.put("jobId", jobId);
              progress.put("state", "QUEUED");
              progress.put("queueWait", queueWait.toString());
              if (state.reason() != null) {
                progress.put("reason", state.reason());
              }
              context.progress(progress);
            }
            case RUNNING -> {
              if (runningSince == null) {
                runningSince = Instant.now();
                queueWait = Duration.between(firstSeen, runningSince).withNanos(0);
              }
              context.progress(Map.of("jobId", jobId, "state", "RUNNING", "queueWait", queueWait.toString(),
                  "runTime", Duration.between(runningSince, Instant.now()).withNanos(0).toString()));
            }
            case SUCCEEDED -> {
              // what the template says the job wrote, for the experiment's lineage
              DeclaredFiles.remote(remotes.files(context.resource()), remotes.resource(context.resource()),
                  context.resource(), context.params().get("outputs"), "params.outputs").forEach(context::produced);
              var outputs = new LinkedHashMap<String, Object>();
              outputs.put("jobId", jobId);
              outputs.put("exitCode", state.exitCode());
              outputs.put("state", state.state());
              outputs.put("queueWait", queueWait.toString());
              outputs.put("runTime", Duration.between(runningSince == null ? Instant.now() : runningSince, Instant.now())
                  .withNanos(0).toString());
              outputs.put("resource", context.resource());
              return outputs;
            }
            case FAILED, RETRYABLE -> {
              var message = "%s; stderr ends with: %s".formatted(state.failure(jobId, null),
                  scheduler.stderrTail(jobId, properties.jobs().stderrTail().toBytes()));
              throw state.phase() == SlurmJobState.Phase.RETRYABLE ? TaskFailure.retryable(message)
                  : TaskFailure.permanent(message);
            }
          }
        }
        if (context.awaitCancellation(interval)) {
          context.checkCancelled();
        }
      }
    } finally {
      watch.unfollow(jobId);
    }
  }

  private String tail(String path) {
    long limit = properties.jobs().stderrTail().toBytes();
    try (var file = new RandomAccessFile(path, "r")) {
      long start = Math.max(0, file.length() - limit);
      var bytes = new byte[(int) (file.length() - start)];
      file.seek(start);
      file.readFully(bytes);
      var text = new String(bytes, StandardCharsets.UTF_8).strip();
      return text.isEmpty() ? "(nothing)" : text;
    } catch (IOException e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }
}
