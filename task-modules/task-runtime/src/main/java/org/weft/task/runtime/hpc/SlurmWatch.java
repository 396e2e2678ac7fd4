package org.weft.task.runtime.hpc;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weft.task.runtime.TaskFailure;

/**
 * Follows every job that monitoring attempts of this process wait for on one resource, with one
 * scheduler query per poll interval whatever their number. Each attempt reads the latest state
 * here instead of asking the cluster itself.
 */
public final class SlurmWatch implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SlurmWatch.class);
  /** Polls in a row in which neither the scheduler nor a record knows a job before it counts as lost. */
  static final int MISSING_POLLS = 3;

  /** The latest word on one followed job. */
  public record Seen(SlurmJobState state, int missing, String problem) {

    /** Neither the scheduler nor an exit record has known the job for several polls in a row: gone without a trace. */
    public boolean lost() {
      return missing >= MISSING_POLLS;
    }
  }

  private final SlurmScheduler scheduler;
  private final Map<String, Seen> followed = new ConcurrentHashMap<>();
  private final Map<String, AtomicInteger> followers = new ConcurrentHashMap<>();
  private final ScheduledExecutorService poller;

  public SlurmWatch(SlurmScheduler scheduler) {
    this.scheduler = scheduler;
    this.poller = Executors.newSingleThreadScheduledExecutor(runnable -> {
      var thread = new Thread(runnable, "weft-slurm-watch-" + scheduler.host().name());
      thread.setDaemon(true);
      return thread;
    });
    long interval = scheduler.host().resource().pollInterval().toMillis();
    poller.scheduleWithFixedDelay(this::poll, 0, interval, TimeUnit.MILLISECONDS);
  }

  public SlurmScheduler scheduler() {
    return scheduler;
  }

  /** Starts following a job (again); call {@link #unfollow} when done. */
  public void follow(String jobId) {
    if (!SlurmScheduler.JOB_ID.matcher(jobId).matches()) {
      throw TaskFailure.permanent("'" + jobId + "' is not a SLURM job id");
    }
    followers.computeIfAbsent(jobId, id -> new AtomicInteger()).incrementAndGet();
    followed.putIfAbsent(jobId, new Seen(null, 0, null));
  }

  public void unfollow(String jobId) {
    followers.computeIfPresent(jobId, (id, count) -> {
      if (count.decrementAndGet() > 0) {
        return count;
      }
      followed.remove(id);
      return null;
    });
  }

  /** What the latest query said about the job; a state of null until it has been seen. */
  public Seen seen(String jobId) {
    return followed.get(jobId);
  }

  private void poll() {
    if (followed.isEmpty()) {
      return;
    }
    var ids = java.util.List.copyOf(followed.keySet());
    try {
      var snapshot = scheduler.query(ids);
      for (var id : ids) {
        followed.computeIfPresent(id, (key, before) -> {
          if (snapshot == null) {
            return new Seen(before.state(), before.missing(), "the scheduler does not answer");
          }
          var state = SlurmJobState.of(snapshot.scheduler().get(id), snapshot.exitCodes().get(id));
          return state == null ? new Seen(before.state(), before.missing() + 1, null) : new Seen(state, 0, null);
        });
      }
    } catch (TaskFailure e) {
      log.warn("Cannot follow the jobs of resource {}: {}", scheduler.host().name(), e.getMessage());
      for (var id : ids) {
        followed.computeIfPresent(id, (key, before) -> new Seen(before.state(), before.missing(), e.getMessage()));
      }
    } catch (RuntimeException e) {
      log.error("Following the jobs of resource {} failed", scheduler.host().name(), e);
    }
  }

  @Override
  public void close() {
    poller.shutdownNow();
  }
}
