package org.weft.task.runtime.jobs;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weft.task.runtime.files.WholeFiles;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs jobs as processes of this machine. Each job gets its own session and process group (through
 * {@code setsid}), so that cancelling or timing it out kills everything it started; an address-space
 * limit (through {@code prlimit}) where the job asks for memory and the tool exists; only the
 * environment its task context gives (plus {@code PATH}, {@code HOME} and {@code LANG}); stdin from
 * {@code /dev/null}; stdout and stderr to the files the spec names. What happened to it is recorded
 * under {@code jobsDir/{jobId}}, so monitoring in another process of the same machine follows it.
 *
 * <p>A job outlives the executor that started it: a small fixed {@code sh} wrapper (the job's
 * arguments reach it as {@code "$@"}, never as text of the script) records the exit code itself, and
 * whoever looks at a job past its wall time kills it. So a job-submission service that is restarted,
 * or killed, does not take the simulations it started with it.
 */
public final class LocalProcessExecutor implements JobExecutor {

  private static final Logger log = LoggerFactory.getLogger(LocalProcessExecutor.class);
  private static final Pattern JOB_ID = Pattern.compile("local-[0-9a-f]{16}");
  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path PRLIMIT = Path.of("/usr/bin/prlimit");
  private static final Path KILL = Path.of("/bin/kill");
  private static final Path SH = Path.of("/bin/sh");
  /** Runs the job, then records its exit code atomically; {@code $1} is the job's directory. */
  private static final String WRAPPER = """
      dir=$1; shift
      "$@"
      code=$?
      printf '%s' "$code" > "$dir/exit-code.tmp" && mv -f "$dir/exit-code.tmp" "$dir/exit-code"
      exit "$code"
      """;
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);
  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final Path jobsDir;
  /** Jobs whose end this executor is recording: a dead process of one of them is not lost, only not yet recorded. */
  private final java.util.Set<String> watching = java.util.concurrent.ConcurrentHashMap.newKeySet();

  public LocalProcessExecutor(Path jobsDir) {
    this.jobsDir = jobsDir.toAbsolutePath().normalize();
  }

  @Override
  public String submit(JobSpec spec) throws IOException {
    var jobId = "local-" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    var dir = Files.createDirectories(jobsDir.resolve(jobId));
    Files.createDirectories(spec.workdir());
    Files.createDirectories(spec.stdout().toAbsolutePath().getParent());
    Files.createDirectories(spec.stderr().toAbsolutePath().getParent());
    var command = new ArrayList<String>();
    if (Files.isExecutable(SETSID)) {
      command.add(SETSID.toString());
    }
    command.addAll(List.of(SH.toString(), "-c", WRAPPER, "weft-job", dir.toString()));
    if (spec.memoryBytes() != null && Files.isExecutable(PRLIMIT)) {
      command.add(PRLIMIT.toString());
      command.add("--as=" + spec.memoryBytes());
      command.add("--");
    }
    command.addAll(spec.argv());
    var builder = new ProcessBuilder(command)
        .directory(spec.workdir().toFile())
        .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
        .redirectOutput(spec.stdout().toFile())
        .redirectError(spec.stderr().toFile());
    var environment = builder.environment();
    var inherited = Map.copyOf(environment);
    environment.clear();
    for (var name : new String[] {"PATH", "HOME", "LANG"}) {
      if (inherited.containsKey(name)) {
        environment.put(name, inherited.get(name));
      }
    }
    environment.putAll(spec.environment());
    var record = new LinkedHashMap<String, Object>();
    record.put("argv", spec.argv());
    record.put("workdir", spec.workdir().toString());
    record.put("stdout", spec.stdout().toString());
    record.put("stderr", spec.stderr().toString());
    record.put("wallTime", spec.wallTime() == null ? null : spec.wallTime().toString());
    var process = builder.start();
    record.put("pid", process.pid());
    // with the pid, tells this process from a later one that reuses its pid
    record.put("processStart", process.info().startInstant().map(Instant::toString).orElse(null));
    record.put("startedAt", Instant.now().toString());
    WholeFiles.write(dir.resolve("job.json"), JSON.writeValueAsString(record));
    watching.add(jobId);
    var watcher = new Thread(() -> {
      try {
        watch(jobId, process, spec);
      } finally {
        watching.remove(jobId);
      }
    }, "weft-job-" + jobId);
    watcher.setDaemon(true);
    watcher.start();
    log.info("Job {} started as process {}: {}", jobId, process.pid(), spec.argv());
    return jobId;
  }

  /** Waits for the job; kills it at its wall time; records how it ended. */
  private void watch(String jobId, Process process, JobSpec spec) {
    String reason = null;
    try {
      if (spec.wallTime() == null) {
        process.waitFor();
      } else if (!process.waitFor(spec.wallTime().toMillis(), TimeUnit.MILLISECONDS)) {
        mark(jobsDir.resolve(jobId), "timed-out", "timed out after " + spec.wallTime());
        killGroup(process.pid());
        process.waitFor();
      }
      reason = stopReason(jobsDir.resolve(jobId));
      var end = new LinkedHashMap<String, Object>();
      end.put("exitCode", process.exitValue());
      end.put("endedAt", Instant.now().toString());
      end.put("reason", reason);
      WholeFiles.write(jobsDir.resolve(jobId).resolve("exit.json"), JSON.writeValueAsString(end));
      log.info("Job {} ended with exit code {}{}", jobId, process.exitValue(), reason == null ? "" : " (" + reason + ")");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (IOException e) {
      log.error("Cannot record the end of job {}: {}", jobId, e.toString());
    }
  }

  @Override
  public JobStatus status(String jobId) {
    // read before the end records: the watcher writes the record, then stops watching, so a job
    // not watched now has its record on disk already, and a job watched now that has no record yet
    // is running or ending (read after, the record could appear in between and be missed)
    boolean watched = watching.contains(jobId);
    var dir = jobDir(jobId);
    var jobFile = dir.resolve("job.json");
    if (!Files.isRegularFile(jobFile)) {
      throw new UnknownJobException(jobId);
    }
    try {
      var job = JSON.readTree(Files.readString(jobFile));
      var startedAt = Instant.parse(job.get("startedAt").asString());
      var stdout = job.get("stdout").asString();
      var stderr = job.get("stderr").asString();
      var exitFile = dir.resolve("exit.json");
      if (Files.isRegularFile(exitFile)) {
        var end = JSON.readTree(Files.readString(exitFile));
        var reason = end.get("reason");
        return new JobStatus(jobId, JobStatus.State.ENDED, end.get("exitCode").asInt(), startedAt,
            Instant.parse(end.get("endedAt").asString()), stdout, stderr,
            reason == null || reason.isNull() ? null : reason.asString());
      }
      var codeFile = dir.resolve("exit-code");
      if (Files.isRegularFile(codeFile)) {
        // recorded by the job's wrapper: its executor is gone, or has not written its record yet
        return new JobStatus(jobId, JobStatus.State.ENDED, Integer.parseInt(Files.readString(codeFile).trim()),
            startedAt, Files.getLastModifiedTime(codeFile).toInstant(), stdout, stderr, stopReason(dir));
      }
      var process = process(job);
      if (process.isPresent() || watched) {
        var wallTime = job.get("wallTime");
        if (process.isPresent() && !watched && wallTime != null && !wallTime.isNull()
            && Instant.now().isAfter(startedAt.plus(Duration.parse(wallTime.asString())))) {
          // its executor, which would have killed it, is gone: whoever looks enforces the limit
          mark(dir, "timed-out", "timed out after " + wallTime.asString());
          killGroup(process.get().pid());
        }
        // running, or ended a moment ago and its end is being written: the next look sees it
        return new JobStatus(jobId, JobStatus.State.RUNNING, null, startedAt, null, stdout, stderr, null);
      }
      var reason = stopReason(dir);
      if (reason != null) {
        // killed on purpose, wrapper and all, with no executor left to record it
        return new JobStatus(jobId, JobStatus.State.ENDED, 137, startedAt, Instant.now(), stdout, stderr, reason);
      }
      return new JobStatus(jobId, JobStatus.State.LOST, null, startedAt, null, stdout, stderr,
          "the process ended without its end being recorded");
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** The job's process, if it still runs (and is not a later process that reuses its pid). */
  private static java.util.Optional<ProcessHandle> process(tools.jackson.databind.JsonNode job) {
    var started = job.get("processStart");
    return ProcessHandle.of(job.get("pid").asLong()).filter(ProcessHandle::isAlive)
        .filter(handle -> started == null || started.isNull()
            || handle.info().startInstant().map(Instant::toString).map(started.asString()::equals).orElse(true));
  }

  /** Why the job was killed, from the marker its killer left: {@code cancelled} or a time-out. */
  private static String stopReason(Path dir) throws IOException {
    if (Files.exists(dir.resolve("cancelled"))) {
      return "cancelled";
    }
    var timedOut = dir.resolve("timed-out");
    return Files.isRegularFile(timedOut) ? Files.readString(timedOut) : null;
  }

  // records are written whole: monitors read them while the watcher writes them, and a record read
  // half written once failed its monitor
  private static void mark(Path dir, String marker, String text) throws IOException {
    WholeFiles.write(dir.resolve(marker), text);
  }


  @Override
  public void cancel(String jobId) {
    var dir = jobDir(jobId);
    try {
      if (!Files.isRegularFile(dir.resolve("job.json")) || Files.exists(dir.resolve("exit.json"))
          || Files.exists(dir.resolve("exit-code"))) {
        return;
      }
      mark(dir, "cancelled", Instant.now().toString());
      process(JSON.readTree(Files.readString(dir.resolve("job.json")))).ifPresent(process -> killGroup(process.pid()));
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private Path jobDir(String jobId) {
    if (jobId == null || !JOB_ID.matcher(jobId).matches()) {
      throw new UnknownJobException(String.valueOf(jobId));
    }
    return jobsDir.resolve(jobId);
  }

  /** Kills the job's process group (it is its session's leader), and its descendants in any case. */
  private static void killGroup(long pid) {
    ProcessHandle.of(pid).ifPresent(process -> {
      // descendants first seen now: a group kill does not reach one that left the group
      var descendants = process.descendants().toList();
      if (Files.isExecutable(KILL) && Files.isExecutable(SETSID)) {
        try {
          new ProcessBuilder(KILL.toString(), "-KILL", "--", "-" + pid).redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (IOException e) {
          log.debug("kill of process group {} failed: {}", pid, e.toString());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      descendants.forEach(ProcessHandle::destroyForcibly);
      process.destroyForcibly();
    });
  }
}
