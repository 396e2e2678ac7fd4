package org.weft.task.runtime.hpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.files.Checksums;

/**
 * Weft's SSH, SFTP and SLURM code against a real single-node SLURM behind a real sshd. The job that
 * runs past its wall time is submitted first and checked last: SLURM's shortest limit is a minute,
 * which the other tests use.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SlurmOverSshIT {

  private static final Duration JOB = Duration.ofSeconds(60);

  SlurmCluster cluster;
  Path programs;
  RemoteHost host;
  SlurmScheduler scheduler;
  SlurmWatch watch;
  String overTime;

  @BeforeAll
  void startCluster() throws Exception {
    cluster = SlurmCluster.shared();
    programs = Files.createDirectories(cluster.scratch().resolveSibling("programs"));
    program("args", "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done\n");
    program("fail", "#!/bin/sh\necho 'the solver diverged at step 7' >&2\nexit 3\n");
    program("sleep-for", "#!/bin/sh\nsleep \"$1\"\necho slept\n");
    host = new RemoteHost("test", cluster.resource(programs, cluster.knownHosts()));
    scheduler = new SlurmScheduler(host);
    watch = new SlurmWatch(scheduler);
    overTime = scheduler.submit(job("sleep-for", List.of("600"), Duration.ofMinutes(1))).jobId();
  }

  @AfterAll
  void closeConnections() {
    watch.close();
    host.close();
  }

  @Test
  void hostileArgumentsReachTheProgramLiterally() throws Exception {
    var hostile = List.of("it's", "$(touch /tmp/weft-pwned)", "`id`", "two\nlines", "*", "~", "a\\b", "\"q\"",
        "; echo injected", "$HOME", "");
    var job = job("args", hostile, null);

    var state = runToEnd(scheduler.submit(job).jobId());

    assertThat(state.phase()).isEqualTo(SlurmJobState.Phase.SUCCEEDED);
    var expected = new StringBuilder();
    hostile.forEach(argument -> expected.append('<').append(argument).append(">\n"));
    assertThat(Files.readString(Path.of(job.stdout()))).isEqualTo(expected.toString());
    assertThat(Path.of("/tmp/weft-pwned")).doesNotExist();
  }

  @Test
  void aDispatchSubmittedAgainOrTwiceAtOnceHasExactlyOneJob() throws Exception {
    var job = job("sleep-for", List.of("3"), null);

    var first = CompletableFuture.supplyAsync(() -> scheduler.submit(job).jobId());
    var second = CompletableFuture.supplyAsync(() -> scheduler.submit(job).jobId());
    var id = first.get();

    assertThat(second.get()).isEqualTo(id);
    assertThat(scheduler.submit(job).jobId()).isEqualTo(id);
    assertThat(cluster.slurm("squeue", "-h", "-t", "all", "--name=" + job.name(), "-o", "%i").strip()).isEqualTo(id);
    runToEnd(id);
    // long after, with the scheduler's record gone or not, the dispatch's record gives the same job
    assertThat(scheduler.submit(job).jobId()).isEqualTo(id);
  }

  @Test
  void aLaterAttemptOfANodeAdoptsTheJobAnEarlierAttemptLeftRunningButAReplicaNever() throws Exception {
    var first = job("sleep-for", List.of("5"), null);
    var retry = new SlurmJob(UUID.randomUUID().toString(), first.taskId(), 2, first.argv(), first.environment(),
        first.workdir(), first.stdout(), first.stderr(), first.cores(), first.memoryBytes(), first.wallTime());

    var submitted = scheduler.submit(first);
    var adopted = scheduler.submit(retry);

    assertThat(adopted).isEqualTo(new SlurmScheduler.Submitted(submitted.jobId(), 1));
    // a straggler's replica of that attempt gets a job of its own, which a later attempt does not adopt
    var replica = new SlurmJob(UUID.randomUUID().toString(), SlurmJob.node(first.taskId(), true), 1, first.argv(),
        first.environment(), first.workdir(), first.stdout() + ".replica", first.stderr() + ".replica", first.cores(),
        first.memoryBytes(), first.wallTime());
    var own = scheduler.submit(replica);
    assertThat(own.jobId()).isNotEqualTo(submitted.jobId());
    var third = new SlurmJob(UUID.randomUUID().toString(), first.taskId(), 3, first.argv(), first.environment(),
        first.workdir(), first.stdout(), first.stderr(), first.cores(), first.memoryBytes(), first.wallTime());
    assertThat(scheduler.submit(third).jobId()).isEqualTo(submitted.jobId());
    runToEnd(submitted.jobId());
    runToEnd(own.jobId());
  }

  @Test
  void aNonZeroExitFailsWithItsCodeAndTheTailOfStderr() throws Exception {
    var id = scheduler.submit(job("fail", List.of(), null)).jobId();

    var state = runToEnd(id);

    assertThat(state.phase()).isEqualTo(SlurmJobState.Phase.FAILED);
    assertThat(state.exitCode()).isEqualTo(3);
    assertThat(state.failure(id, null)).contains("exited with code 3");
    assertThat(scheduler.stderrTail(id, 2048)).isEqualTo("the solver diverged at step 7");
  }

  @Test
  void aProgramOutsideTheProgramDirectoriesIsRefusedBeforeAnythingIsSubmitted() {
    assertThatThrownBy(() -> scheduler.submit(job("/bin/sh", List.of("-c", "id"), null)))
        .isInstanceOf(TaskFailure.class).hasMessageContaining("not inside the resource's program directories");
  }

  @Test
  void aMissingProgramFailsTheJobWithExitCode127() throws Exception {
    var id = scheduler.submit(job("no-such-program", List.of(), null)).jobId();

    var state = runToEnd(id);

    assertThat(state.exitCode()).isEqualTo(127);
    assertThat(scheduler.stderrTail(id, 2048)).contains("program no-such-program is not an executable");
  }

  @Test
  void cancellingReachesTheJob() throws Exception {
    var id = scheduler.submit(job("sleep-for", List.of("300"), null)).jobId();
    watch.follow(id);
    try {
      await().atMost(JOB).until(() -> seen(id) != null && seen(id).phase() == SlurmJobState.Phase.RUNNING);

      scheduler.cancel(id);

      await().atMost(JOB).until(() -> seen(id).phase().ended());
      assertThat(seen(id).state()).isEqualTo("CANCELLED");
      assertThat(seen(id).phase()).isEqualTo(SlurmJobState.Phase.FAILED);
    } finally {
      watch.unfollow(id);
    }
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void aJobPastItsWallTimeEndsAsTimeoutAndSaysSo() {
    var id = overTime;

    var state = runToEnd(id, Duration.ofMinutes(4));

    assertThat(state.state()).isEqualTo("TIMEOUT");
    assertThat(state.phase()).isEqualTo(SlurmJobState.Phase.FAILED);
    assertThat(state.failure(id, "PT1M")).contains("time limit of PT1M").contains("TIMEOUT");
  }

  @Test
  void aJobSurvivesARestartOfTheController() throws Exception {
    var id = scheduler.submit(job("sleep-for", List.of("8"), null)).jobId();
    watch.follow(id);
    try {
      await().atMost(JOB).until(() -> seen(id) != null && seen(id).phase() == SlurmJobState.Phase.RUNNING);

      cluster.restartController();

      await().atMost(JOB).until(() -> seen(id).phase().ended());
      assertThat(seen(id).phase()).isEqualTo(SlurmJobState.Phase.SUCCEEDED);
    } finally {
      watch.unfollow(id);
    }
  }

  @Test
  void anSshServerThatIsAwayForAWhileIsRetryableAndTheNextCallReconnects() throws Exception {
    assertThat(host.runOk("echo up", null, "a probe")).isEqualTo("up\n");
    long sessions = host.sessionsOpened();
    cluster.stopSsh();
    try {
      assertThatThrownBy(() -> host.run("echo up", null))
          .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isTrue())
          .hasMessageContaining("unreachable");
    } finally {
      cluster.startSsh();
    }

    assertThat(host.runOk("echo up", null, "a probe")).isEqualTo("up\n");
    assertThat(host.sessionsOpened()).isGreaterThan(sessions);
  }

  @Test
  void anUnknownOrChangedHostKeyIsRefusedForGood(@TempDir Path keys) throws Exception {
    var empty = Files.writeString(keys.resolve("empty_known_hosts"), "");
    try (var unknown = new RemoteHost("unknown", cluster.resource(programs, empty))) {
      assertThatThrownBy(() -> unknown.run("echo up", null))
          .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isFalse())
          .hasMessageContaining("is not in " + empty);
    }
    var other = keys.resolve("other");
    new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", other.toString()).start().waitFor();
    var otherKey = Files.readString(Path.of(other + ".pub")).strip().split(" ");
    var wrong = Files.writeString(keys.resolve("wrong_known_hosts"),
        "[127.0.0.1]:%d %s %s%n".formatted(cluster.sshPort(), otherKey[0], otherKey[1]));
    try (var changed = new RemoteHost("changed", cluster.resource(programs, wrong))) {
      assertThatThrownBy(() -> changed.run("echo up", null))
          .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isFalse())
          .hasMessageContaining("host key").hasMessageContaining("changed");
    }
  }

  @Test
  void theKeyCanComeFromAnSshAgentInsteadOfAFile(@TempDir Path dir) throws Exception {
    var socket = dir.resolve("agent.sock");
    var agent = new ProcessBuilder("ssh-agent", "-D", "-a", socket.toString()).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    try {
      await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(socket));
      var base = cluster.resource(programs, cluster.knownHosts());
      var viaAgent = new ComputeResources.Resource(base.scheduler(), base.host(), base.port(), base.user(), null,
          socket.toString(), base.knownHosts(), false, base.scratch(), base.programDirs(), null, null, null, 10,
          base.pollInterval(), base.connectTimeout(), base.commandTimeout(), base.keepAlive(), base.maxTransferSize());
      try (var empty = new RemoteHost("agent", viaAgent)) {
        assertThatThrownBy(() -> empty.run("echo up", null))
            .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isFalse())
            .hasMessageContaining("the keys of the agent at " + socket);
      }
      var add = new ProcessBuilder("ssh-add", cluster.clientKey().toString()).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD);
      add.environment().put("SSH_AUTH_SOCK", socket.toString());
      assertThat(add.start().waitFor()).isZero();

      try (var withAgent = new RemoteHost("agent", viaAgent)) {
        assertThat(withAgent.runOk("id -un", null, "a probe")).isEqualTo(SlurmCluster.USER + "\n");
      }
    } finally {
      agent.destroy();
    }
  }

  @Test
  void filesGoUpAndComeBackOverSftpWithTheirChecksumsChecked(@TempDir Path local) throws Exception {
    var files = new RemoteFiles(host);
    var remoteDir = cluster.scratch() + "/files-" + UUID.randomUUID();
    files.mkdirs(List.of(remoteDir + "/sub"));
    var content = "0.5 1.5 2.5\n".repeat(10_000).getBytes(StandardCharsets.UTF_8);

    var up = files.upload(new ByteArrayInputStream(content), remoteDir + "/sub/input.dat");
    var listed = files.list(remoteDir);
    var down = files.download(remoteDir + "/sub/input.dat", local.resolve("back.dat"));

    assertThat(up.checksum()).isEqualTo(Checksums.sha256(new ByteArrayInputStream(content)));
    assertThat(listed).containsExactly(new RemoteFiles.Listed("sub/input.dat", content.length));
    assertThat(down).isEqualTo(up);
    assertThat(Files.readAllBytes(local.resolve("back.dat"))).isEqualTo(content);
    assertThat(files.checksums(List.of(remoteDir + "/sub/input.dat"))).containsValue(up.checksum());
  }

  @Test
  void filesOnTheClusterAreCheckedBySizeAndChecksumAndDeletedInOneCommandEach() throws Exception {
    var files = new RemoteFiles(host);
    var remoteDir = cluster.scratch() + "/inputs-" + UUID.randomUUID();
    files.mkdirs(List.of(remoteDir + "/sub"));
    var kept = files.upload(new ByteArrayInputStream("fox 1\n".getBytes(StandardCharsets.UTF_8)), remoteDir + "/kept");
    var changed = files.upload(new ByteArrayInputStream("the 4\n".getBytes(StandardCharsets.UTF_8)), remoteDir + "/changed");
    files.upload(new ByteArrayInputStream("the 5\n".getBytes(StandardCharsets.UTF_8)), remoteDir + "/changed");
    var resources = new ComputeResources(Map.of("cluster", cluster.resource(programs, cluster.knownHosts())));

    assertThat(files.sizes(List.of(remoteDir + "/kept", remoteDir + "/gone", remoteDir + "/sub")))
        .containsEntry(remoteDir + "/kept", 6L).containsEntry(remoteDir + "/gone", null).containsEntry(remoteDir + "/sub", null);
    try (var remotes = new RemoteHosts(resources, new io.micrometer.core.instrument.simple.SimpleMeterRegistry())) {
      var check = new org.weft.task.runtime.files.DataFiles(List.of(), remotes);
      var expected = List.<Map<String, Object>>of(
          Map.of("uri", remoteDir + "/kept", "resource", "cluster", "size", 6, "checksum", kept.checksum()),
          Map.of("uri", remoteDir + "/changed", "resource", "cluster", "size", 6, "checksum", changed.checksum()),
          Map.of("uri", remoteDir + "/gone", "resource", "cluster", "size", 3),
          Map.of("uri", "/etc/passwd", "resource", "cluster", "size", 3));
      long before = remotes.get("cluster").commandsRun();

      // the file outside the scratch directory is not the check's to look at
      assertThat(check.lost(context(expected, null))).extracting(lost -> lost.file().uri() + " " + lost.reason())
          .containsExactly(remoteDir + "/gone missing");
      assertThat(check.lost(context(expected, "checksum"))).extracting(lost -> lost.file().uri() + " " + lost.reason())
          .containsExactly(remoteDir + "/gone missing",
              remoteDir + "/changed changed: checksum " + Checksums.sha256(new ByteArrayInputStream(
                  "the 5\n".getBytes(StandardCharsets.UTF_8))) + ", not " + changed.checksum());
      // sizes in one command each time; checksums in one more
      assertThat(remotes.get("cluster").commandsRun() - before).isEqualTo(3);

      // what a template declares a job wrote: a glob, a directory (empty here) and a file
      var declared = org.weft.task.runtime.files.DeclaredFiles.remote(files, resources.find("cluster").orElseThrow(),
          "cluster", List.of(remoteDir + "/ch*", remoteDir + "/sub", remoteDir + "/kept"), "params.outputs");
      assertThat(declared).containsExactly(
          new org.weft.task.api.DataFile(remoteDir + "/changed", "cluster", 6L, Checksums.sha256(new ByteArrayInputStream(
              "the 5\n".getBytes(StandardCharsets.UTF_8)))),
          new org.weft.task.api.DataFile(remoteDir + "/kept", "cluster", 6L, kept.checksum()));
      assertThatThrownBy(() -> org.weft.task.runtime.files.DeclaredFiles.remote(files, resources.find("cluster").orElseThrow(),
          "cluster", List.of("/etc"), "params.outputs")).isInstanceOf(TaskFailure.class)
          .hasMessageContaining("is not a path inside the resource's scratch directory");

      // collected: the file goes, the directory and what was gone already are left
      assertThat(check.delete(List.of(new org.weft.task.api.DataFile(remoteDir + "/kept", "cluster", null, null),
          new org.weft.task.api.DataFile(remoteDir + "/sub", "cluster", null, null),
          new org.weft.task.api.DataFile(remoteDir + "/gone", "cluster", null, null)))).isEqualTo(1);
      assertThat(files.sizes(List.of(remoteDir + "/kept", remoteDir + "/changed")))
          .containsEntry(remoteDir + "/kept", null).containsEntry(remoteDir + "/changed", 6L);
      assertThat(files.list(remoteDir)).extracting(RemoteFiles.Listed::relative).containsExactly("changed");
    }
  }

  private static org.weft.task.runtime.TaskContext context(List<Map<String, Object>> inputs, String verify) {
    var data = new java.util.HashMap<String, Object>(Map.of("inputs", inputs));
    if (verify != null) {
      data.put("verify", verify);
    }
    return new org.weft.task.runtime.TaskContext(new org.weft.task.api.TaskDispatch("d-1", "e-1", "e-1:run", "run",
        "job-submission", 1, Map.of("data", data, "resource", "cluster"), java.time.Instant.now()), "w-1");
  }

  @Test
  void oneSchedulerQueryPerPollFollowsEveryJob() throws Exception {
    var ids = new java.util.ArrayList<String>();
    for (int i = 0; i < 5; i++) {
      ids.add(scheduler.submit(job("sleep-for", List.of("1"), null)).jobId());
    }
    ids.forEach(watch::follow);
    try {
      long before = host.commandsRun();
      long start = System.nanoTime();
      await().atMost(JOB).until(() -> ids.stream().allMatch(id -> seen(id) != null && seen(id).phase().ended()));
      long queries = host.commandsRun() - before;
      long intervals = Duration.ofNanos(System.nanoTime() - start).toSeconds() + 1;
      // at one poll a second, one query per interval however many jobs: not one per job per poll
      assertThat(queries).isLessThanOrEqualTo(intervals + 1);
      assertThat(ids).allSatisfy(id -> assertThat(seen(id).phase()).isEqualTo(SlurmJobState.Phase.SUCCEEDED));
    } finally {
      ids.forEach(watch::unfollow);
    }
  }

  private SlurmJobState seen(String id) {
    var seen = watch.seen(id);
    return seen == null ? null : seen.state();
  }

  private SlurmJobState runToEnd(String id) {
    return runToEnd(id, JOB);
  }

  private SlurmJobState runToEnd(String id, Duration limit) {
    watch.follow(id);
    try {
      await().atMost(limit).pollInterval(Duration.ofMillis(200))
          .until(() -> seen(id) != null && seen(id).phase().ended());
      return seen(id);
    } finally {
      watch.unfollow(id);
    }
  }

  private SlurmJob job(String program, List<String> arguments, Duration wallTime) {
    var dispatch = UUID.randomUUID().toString();
    var workdir = cluster.scratch() + "/" + dispatch;
    var argv = new java.util.ArrayList<String>();
    argv.add(program);
    argv.addAll(arguments);
    return new SlurmJob(dispatch, "exp-" + dispatch + ":run", 1, argv, Map.of("WEFT_TEST", "it's $(set)"), workdir, workdir + "/logs/job.stdout",
        workdir + "/logs/job.stderr", 1, 64L << 20, wallTime);
  }

  private void program(String name, String text) throws Exception {
    var file = programs.resolve(name);
    Files.writeString(file, text);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
  }
}
