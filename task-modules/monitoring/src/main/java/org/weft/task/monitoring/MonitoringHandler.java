package org.weft.task.monitoring;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.beans.factory.ObjectProvider;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.jobs.JobExecutor;
import org.weft.task.runtime.jobs.JobStatus;

/**
 * Follows the job {@code params.jobId} until it ends, reporting its state and run time with the
 * heartbeats. Outputs {@code exitCode}, {@code runTime}, {@code stdout} and {@code stderr}; a job
 * that exits non-zero, times out or is lost fails the node, with the tail of its stderr. Cancelling
 * the node cancels the job.
 */
public class MonitoringHandler implements TaskHandler {

  private final WorkerProperties properties;
  private final ObjectProvider<JobExecutor> executor;

  MonitoringHandler(WorkerProperties properties, ObjectProvider<JobExecutor> executor) {
    this.properties = properties;
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
