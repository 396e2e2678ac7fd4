package org.weft.task.runtime.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalProcessExecutorTest {

  @TempDir
  Path dir;

  private JobSpec spec(List<String> argv, Map<String, String> env, Duration wallTime) {
    return new JobSpec(argv, env, dir.resolve("work"), dir.resolve("work/logs/out"), dir.resolve("work/logs/err"),
        wallTime, null);
  }

  private JobStatus awaitEnd(LocalProcessExecutor executor, String jobId) {
    await().atMost(Duration.ofSeconds(30)).until(() -> executor.status(jobId).state() == JobStatus.State.ENDED);
    return executor.status(jobId);
  }

  @Test
  void aJobLookedAtAsItEndsIsRunningOrEndedNeverHalfRecorded() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    for (int i = 0; i < 100; i++) {
      var jobId = executor.submit(spec(List.of("/bin/true"), Map.of(), null));
      // as a monitor polls: over and over while the executor writes how the job ended
      JobStatus status;
      do {
        status = executor.status(jobId);
      } while (status.state() == JobStatus.State.RUNNING);
      assertThat(status.state()).as("job %d", i).isEqualTo(JobStatus.State.ENDED);
      assertThat(status.exitCode()).as("job %d", i).isZero();
    }
  }

  @Test
  void argumentsWithShellMetacharactersReachTheProgramLiterally() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    var tricky = "a b; echo pwned > /tmp/weft-pwned $(id) `id` | cat && *";
    var jobId = executor.submit(spec(List.of("/usr/bin/printf", "%s\\n", tricky), Map.of(), null));
    var status = awaitEnd(executor, jobId);
    assertThat(status.exitCode()).isZero();
    assertThat(Files.readString(Path.of(status.stdout()))).isEqualTo(tricky + "\n");
  }

  @Test
  void theJobSeesOnlyTheEnvironmentItWasGiven() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    var jobId = executor.submit(spec(List.of("/usr/bin/env"), Map.of("OMP_NUM_THREADS", "1"), null));
    var stdout = Files.readString(Path.of(awaitEnd(executor, jobId).stdout()));
    assertThat(stdout).contains("OMP_NUM_THREADS=1").doesNotContain("MAVEN").doesNotContain("JAVA_HOME");
  }

  @Test
  void aJobPastItsWallTimeIsKilledWithEverythingItStarted() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    var childPid = dir.resolve("child.pid");
    var jobId = executor.submit(spec(List.of(spawnScript().toString(), childPid.toString()), Map.of(),
        Duration.ofSeconds(1)));
    assertKilledAtWallTimeWithItsChild(awaitEnd(executor, jobId), childPid);
  }

  /** A program that starts a child, writes the child's pid to {@code $1}, and waits. */
  private Path spawnScript() throws Exception {
    var script = dir.resolve("spawn.sh");
    Files.writeString(script, "#!/bin/sh\nsleep 300 &\necho $! > \"$1\"\nwait\n");
    script.toFile().setExecutable(true);
    return script;
  }

  private static void assertKilledAtWallTimeWithItsChild(JobStatus status, Path childPid) throws Exception {
    assertThat(status.reason()).isEqualTo("timed out after PT1S");
    assertThat(status.exitCode()).isNotZero();
    var child = Long.parseLong(Files.readString(childPid).trim());
    await().atMost(Duration.ofSeconds(10))
        .until(() -> ProcessHandle.of(child).map(ProcessHandle::isAlive).orElse(false) == Boolean.FALSE);
  }

  @Test
  void aCancelledJobEndsAsCancelled() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    var jobId = executor.submit(spec(List.of("/bin/sleep", "300"), Map.of(), null));
    assertThat(executor.status(jobId).state()).isEqualTo(JobStatus.State.RUNNING);
    executor.cancel(jobId);
    assertThat(awaitEnd(executor, jobId).reason()).isEqualTo("cancelled");
  }

  @Test
  void aNonZeroExitIsRecordedWithItsStderr() throws Exception {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    var jobId = executor.submit(spec(List.of("/bin/ls", "/no/such/path"), Map.of(), null));
    var status = awaitEnd(executor, jobId);
    assertThat(status.exitCode()).isNotZero();
    assertThat(Files.readString(Path.of(status.stderr()))).contains("/no/such/path");
  }

  @Test
  void unknownAndMalformedJobIdsAreRefused() {
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));
    assertThatThrownBy(() -> executor.status("local-0000000000000000")).isInstanceOf(JobExecutor.UnknownJobException.class);
    assertThatThrownBy(() -> executor.status("../../etc")).isInstanceOf(JobExecutor.UnknownJobException.class);
  }

  /** Submits through {@link SubmitAndDie} in a JVM of its own, which is gone by the time this returns. */
  private String submitFromADeadExecutor(Duration wallTime, String... argv) throws Exception {
    var workdir = Files.createDirectories(dir.resolve("detached"));
    var command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"), SubmitAndDie.class.getName(), dir.resolve("jobs").toString(),
        workdir.toString(), wallTime == null ? "-" : wallTime.toString()));
    command.addAll(List.of(argv));
    var submitter = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("submitter.log").toFile()).start();
    assertThat(submitter.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    assertThat(submitter.exitValue()).as(Files.readString(dir.resolve("submitter.log"))).isZero();
    return Files.readString(workdir.resolve("job-id"));
  }

  @Test
  void aJobOutlivesTheExecutorThatStartedItAndItsExitCodeIsStillKnown() throws Exception {
    // held until the test has seen it running, however long the submitting JVM took to go
    var gate = dir.resolve("gate");
    var jobId = submitFromADeadExecutor(null, "/bin/sh", "-c",
        "while [ ! -e '" + gate + "' ]; do sleep 0.05; done; echo finished; exit 3");
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));

    assertThat(executor.status(jobId).state()).isEqualTo(JobStatus.State.RUNNING);
    Files.createFile(gate);
    var status = awaitEnd(executor, jobId);

    assertThat(status.exitCode()).isEqualTo(3);
    assertThat(status.reason()).isNull();
    assertThat(Path.of(status.stdout())).content().isEqualTo("finished\n");
  }

  @Test
  void whoeverLooksAtAJobPastItsWallTimeKillsItWhenItsExecutorIsGone() throws Exception {
    var childPid = dir.resolve("child.pid");
    var jobId = submitFromADeadExecutor(Duration.ofSeconds(1), spawnScript().toString(), childPid.toString());
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));

    assertKilledAtWallTimeWithItsChild(awaitEnd(executor, jobId), childPid);
  }

  @Test
  void aJobWhoseExecutorIsGoneCanStillBeCancelled() throws Exception {
    var jobId = submitFromADeadExecutor(null, "/bin/sleep", "300");
    var executor = new LocalProcessExecutor(dir.resolve("jobs"));

    executor.cancel(jobId);

    assertThat(awaitEnd(executor, jobId).reason()).isEqualTo("cancelled");
  }
}
