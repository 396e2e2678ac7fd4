package org.weft.task.runtime.hpc;

import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;

/**
 * Following many jobs on one resource with the code monitoring uses, against the real single-node
 * SLURM behind sshd: {@value #JOBS} jobs queued and running, followed through one
 * {@link SlurmWatch} polling every second. Prints the scheduler queries and SSH sessions per poll
 * (the target is a constant, not one per job), then the time from submission to Weft seeing the
 * end of a short job beyond SLURM's own submit-to-end time, over {@value #SAMPLES} jobs one at a
 * time.
 *
 * <pre>./mvnw -q install -DskipTests && ./mvnw -o -pl task-modules/task-runtime verify -Pbenchmark \
 *   -Dit.test=SlurmMonitoringBenchmark</pre>
 */
class SlurmMonitoringBenchmark {

  private static final int JOBS = 500;
  private static final int SAMPLES = 20;
  private static final Duration FOLLOW = Duration.ofSeconds(30);

  @Test
  void followingManyJobsCostsOneSchedulerQueryPerPoll() throws Exception {
    var cluster = SlurmCluster.shared();
    var programs = Files.createDirectories(cluster.scratch().resolveSibling("bench-programs"));
    var sleeper = programs.resolve("sleep-for");
    Files.writeString(sleeper, "#!/bin/sh\nsleep \"$1\"\n");
    Files.setPosixFilePermissions(sleeper, PosixFilePermissions.fromString("rwxr-xr-x"));
    var base = cluster.resource(programs, cluster.knownHosts());
    var resource = new ComputeResources.Resource(base.scheduler(), base.host(), base.port(), base.user(),
        base.privateKey(), null, base.knownHosts(), false, base.scratch(), base.programDirs(), null, null, null, JOBS + SAMPLES,
        Duration.ofSeconds(1), Duration.ofSeconds(10), Duration.ofMinutes(2), Duration.ofSeconds(30), DataSize.ofMegabytes(1));

    try (var submitter = new RemoteHost("bench-submit", resource); var follower = new RemoteHost("bench", resource)) {
      var scheduler = new SlurmScheduler(submitter);
      var ids = new ConcurrentLinkedQueue<String>();
      var pool = Executors.newFixedThreadPool(8);
      long submitStart = System.nanoTime();
      for (int i = 0; i < JOBS; i++) {
        pool.execute(() -> ids.add(scheduler.submit(job(cluster, "sleep-for", "20")).jobId()));
      }
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.MINUTES);
      System.out.printf("submitted %d jobs in %.1f s (8 submitters)%n", ids.size(), (System.nanoTime() - submitStart) / 1e9);

      try (var watch = new SlurmWatch(new SlurmScheduler(follower))) {
        ids.forEach(watch::follow);
        await().atMost(Duration.ofMinutes(1)).until(() -> ids.stream().allMatch(id -> watch.seen(id).state() != null));
        long commands = follower.commandsRun();
        long sessions = follower.sessionsOpened();
        var start = Instant.now();
        await().pollDelay(FOLLOW).atMost(FOLLOW.plusSeconds(5)).until(() -> true);
        double polls = Duration.between(start, Instant.now()).toMillis() / 1000.0;
        long queued = ids.stream().filter(id -> watch.seen(id).state().phase() == SlurmJobState.Phase.QUEUED).count();
        long running = ids.stream().filter(id -> watch.seen(id).state().phase() == SlurmJobState.Phase.RUNNING).count();
        System.out.printf("followed %d jobs (%d queued, %d running at the end) for %.0f poll intervals of 1 s:%n",
            ids.size(), queued, running, polls);
        System.out.printf("  scheduler queries per poll: %.2f; SSH sessions opened meanwhile: %d (in all: %d)%n",
            (follower.commandsRun() - commands) / polls, follower.sessionsOpened() - sessions, follower.sessionsOpened());
      }
      submitter.run("scancel -u \"$(id -un)\"", null);
      await().atMost(Duration.ofMinutes(2)).until(() -> cluster.slurm("squeue", "-h", "-t", "PENDING,RUNNING").isBlank());

      var overheads = new ArrayList<Double>();
      try (var watch = new SlurmWatch(new SlurmScheduler(follower))) {
        for (int i = 0; i < SAMPLES; i++) {
          long begin = System.nanoTime();
          var id = scheduler.submit(job(cluster, "sleep-for", "0")).jobId();
          watch.follow(id);
          await().atMost(Duration.ofMinutes(1)).pollInterval(Duration.ofMillis(20))
              .until(() -> watch.seen(id).state() != null && watch.seen(id).state().phase().ended());
          double endToEnd = (System.nanoTime() - begin) / 1e9;
          watch.unfollow(id);
          var record = cluster.slurm("scontrol", "show", "job", "-o", id);
          double slurm = seconds(record, "EndTime") - seconds(record, "SubmitTime");
          overheads.add(endToEnd - slurm);
        }
      }
      Collections.sort(overheads);
      System.out.printf("end-to-end overhead per job beyond SLURM's submit-to-end (1 s poll, %d jobs): median %.2f s, "
          + "min %.2f s, max %.2f s%n", SAMPLES, overheads.get(SAMPLES / 2), overheads.get(0), overheads.get(SAMPLES - 1));
    }
  }

  private static double seconds(String record, String field) {
    for (var part : record.split(" ")) {
      if (part.startsWith(field + "=")) {
        return java.time.LocalDateTime.parse(part.substring(field.length() + 1)).toEpochSecond(java.time.ZoneOffset.UTC);
      }
    }
    throw new IllegalStateException("no " + field + " in " + record);
  }

  private static SlurmJob job(SlurmCluster cluster, String... argv) {
    var dispatch = UUID.randomUUID().toString();
    var workdir = cluster.scratch() + "/bench/" + dispatch;
    return new SlurmJob(dispatch, "bench-" + dispatch + ":run", 1, List.of(argv), Map.of(), workdir,
        workdir + "/job.stdout", workdir + "/job.stderr", 1, 16L << 20, null);
  }
}
