package org.weft.task.runtime.hpc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.apache.sshd.sftp.client.SftpClient;
import org.weft.task.runtime.TaskFailure;

/**
 * SLURM on a remote resource, through its {@link RemoteHost}: submission that never makes a second
 * job for one dispatch, one query for every followed job, cancellation and the tail of a job's
 * stderr.
 */
public final class SlurmScheduler {

  static final Pattern JOB_ID = Pattern.compile("[0-9]{1,18}");
  /** Exit code of the submission command when the resource has its maximum of jobs already. */
  private static final int BUSY = 75;
  private static final String MARK = "@@weft@@";
  /** What SLURM's commands print when the controller cannot be reached: it may come back. */
  private static final Pattern CONTROLLER_AWAY = Pattern.compile(
      "(?i)unable to contact slurm controller|socket timed out|connection refused|slurm_load_jobs error|"
          + "temporarily unavailable|communication connection failure|try again");

  private final RemoteHost host;

  public SlurmScheduler(RemoteHost host) {
    this.host = host;
  }

  public RemoteHost host() {
    return host;
  }

  /** The one job of a node: its SLURM id, and the attempt that submitted it. */
  public record Submitted(String jobId, int attempt) {}

  /**
   * Submits a job unless its dispatch has one already (queued, running, or recorded after
   * {@code sbatch}) or an earlier attempt of its node has one still queued or running, which it
   * then adopts. Concurrent submissions for one node are serialised by a lock file on the cluster.
   */
  public Submitted submit(SlurmJob job) {
    var resource = host.resource();
    var script = SlurmBatchScript.of(job, resource);
    var dir = resource.weftDir() + "/dispatches/" + job.dispatchId();
    var locks = resource.weftDir() + "/locks";
    host.runOk("mkdir -p " + ShellWords.quote(dir) + " " + ShellWords.quote(locks) + " "
        + ShellWords.quote(resource.weftDir() + "/jobs") + " " + ShellWords.quote(job.workdir()) + " "
        + ShellWords.quote(parent(job.stdout())) + " " + ShellWords.quote(parent(job.stderr())), null,
        "creating the job's directories");
    var scriptPath = dir + "/job.sh";
    host.sftp("uploading the batch script", sftp -> {
      try (var out = sftp.write(scriptPath)) {
        out.write(script.getBytes(StandardCharsets.UTF_8));
      }
      return null;
    });
    var d = ShellWords.quote(dir);
    var command = """
        exec 9>%5$s && flock -w 60 9 || exit 1
        me=$(id -un)
        id=$(squeue -h -t all -u "$me" --name=%2$s -o %%i) || exit 1
        id=$(printf '%%s\n' "$id" | head -n 1)
        attempt=%6$d
        if [ -z "$id" ] && [ -s %1$s/job-id ]; then id=$(cat %1$s/job-id); fi
        if [ -z "$id" ]; then
          live=$(squeue -h -u "$me" -t PENDING,CONFIGURING,RUNNING,COMPLETING,SUSPENDED,REQUEUED -o '%%i|%%k') || exit 1
          node=$(printf '%%s\n' "$live" | grep -F -- %3$s | head -n 1)
          if [ -n "$node" ]; then id=${node%%%%|*}; attempt=${node##*:}; fi
        fi
        if [ -z "$id" ]; then
          if [ "$(printf '%%s\n' "$live" | grep -c '|weft:')" -ge %4$d ]; then exit 75; fi
          id=$(sbatch --parsable %1$s/job.sh) || exit 1
          id=${id%%%%;*}
          printf '%%s' "$id" > %1$s/job-id.tmp && mv -f %1$s/job-id.tmp %1$s/job-id
        fi
        printf '%%s %%s\n' "$id" "$attempt"
        """.formatted(d, ShellWords.quote(job.name()), ShellWords.quote("|weft:" + job.taskId() + ":"),
        resource.maxJobs(), ShellWords.quote(locks + "/" + job.taskId().replace(':', '_') + ".lock"), job.attempt());
    var exec = host.run(command, null);
    if (exec.exitCode() == BUSY) {
      throw TaskFailure.retryable("resource '%s' has its maximum of %d jobs queued or running".formatted(host.name(),
          resource.maxJobs()));
    }
    if (!exec.ok()) {
      throw schedulerFailure("submitting job " + job.name(), exec);
    }
    var fields = exec.stdout().strip().split(" ");
    if (fields.length != 2 || !JOB_ID.matcher(fields[0]).matches() || !fields[1].matches("[0-9]{1,9}")) {
      throw TaskFailure.retryable("resource '%s': sbatch gave no job id: %s".formatted(host.name(), exec.stdout().strip()));
    }
    return new Submitted(fields[0], Integer.parseInt(fields[1]));
  }

  /**
   * One scheduler query for all these jobs: their states in the scheduler, and the exit codes their
   * scripts recorded. Null when the scheduler cannot be reached now.
   */
  public Snapshot query(Collection<String> jobIds) {
    var ids = new StringBuilder();
    for (var id : jobIds) {
      if (!JOB_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("not a SLURM job id: " + id);
      }
      ids.append(id).append('\n');
    }
    var command = """
        squeue -h -t all -u "$(id -un)" -o '%%i|%%T|%%r' || echo %1$s-away
        echo %1$s
        cd %2$s 2>/dev/null || exit 0
        while IFS= read -r id; do
          if [ -f "$id.exit" ]; then printf '%%s|%%s\\n' "$id" "$(cat "$id.exit")"; fi
        done
        """.formatted(MARK, ShellWords.quote(host.resource().weftDir() + "/jobs"));
    var exec = host.run(command, ids.toString());
    var scheduler = new HashMap<String, Listed>();
    var exits = new HashMap<String, Integer>();
    boolean recorded = false;
    for (var line : exec.stdout().split("\n")) {
      if (line.equals(MARK + "-away")) {
        return null;
      }
      if (line.equals(MARK)) {
        recorded = true;
        continue;
      }
      var fields = line.split("\\|", 3);
      if (!recorded && fields.length == 3 && JOB_ID.matcher(fields[0]).matches()) {
        scheduler.put(fields[0], new Listed(fields[1], fields[2]));
      } else if (recorded && fields.length == 2 && JOB_ID.matcher(fields[0]).matches()) {
        try {
          exits.put(fields[0], Integer.parseInt(fields[1].strip()));
        } catch (NumberFormatException e) {
          // a record being written: the next query reads it whole
        }
      }
    }
    if (!recorded) {
      return null;
    }
    return new Snapshot(Map.copyOf(scheduler), Map.copyOf(exits));
  }

  /** Cancels a job; one that has ended stays as it was. */
  public void cancel(String jobId) {
    if (!JOB_ID.matcher(jobId).matches()) {
      throw new IllegalArgumentException("not a SLURM job id: " + jobId);
    }
    var exec = host.run("scancel " + jobId, null);
    if (!exec.ok()) {
      throw schedulerFailure("cancelling job " + jobId, exec);
    }
  }

  /** The last bytes of a job's stderr, fetched over SFTP; a note when there is none. */
  public String stderrTail(String jobId, long limit) {
    try {
      return host.sftp("reading the stderr of job " + jobId, sftp -> {
        var paths = read(sftp, host.resource().weftDir() + "/jobs/" + jobId + ".paths", 8192).split("\n");
        if (paths.length < 2) {
          return "(no stderr recorded)";
        }
        var stderr = paths[1];
        long size = sftp.stat(stderr).getSize();
        try (var handle = sftp.open(stderr)) {
          long start = Math.max(0, size - limit);
          var bytes = new byte[(int) (size - start)];
          int total = 0;
          while (total < bytes.length) {
            int read = sftp.read(handle, start + total, bytes, total, bytes.length - total);
            if (read < 0) {
              break;
            }
            total += read;
          }
          var text = new String(bytes, 0, total, StandardCharsets.UTF_8).strip();
          return text.isEmpty() ? "(nothing)" : text;
        }
      });
    } catch (TaskFailure e) {
      return "(unreadable: " + e.getMessage() + ")";
    }
  }

  private static String read(SftpClient sftp, String path, int limit) throws IOException {
    try (var in = sftp.read(path)) {
      return new String(in.readNBytes(limit), StandardCharsets.UTF_8);
    }
  }

  private TaskFailure schedulerFailure(String what, RemoteHost.Exec exec) {
    var message = "resource '%s': %s failed: %s".formatted(host.name(), what,
        (exec.stderr() + " " + exec.stdout()).strip());
    return CONTROLLER_AWAY.matcher(exec.stderr()).find() || exec.exitCode() == 1 && exec.stderr().isBlank()
        ? TaskFailure.retryable(message)
        : TaskFailure.permanent(message);
  }

  private static String parent(String path) {
    return path.substring(0, Math.max(1, path.lastIndexOf('/')));
  }

  /** A job as {@code squeue} lists it: its state and the reason it is in it. */
  public record Listed(String state, String reason) {}

  /** One query's answer. */
  public record Snapshot(Map<String, Listed> scheduler, Map<String, Integer> exitCodes) {}
}
