package org.weft.task.runtime.hpc;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A job as it goes to SLURM.
 *
 * @param dispatchId  the job-submission dispatch it comes from: its job is named
 *                    {@code weft-<dispatchId>}, and a dispatch never has two
 * @param taskId      the live-DAG node it runs for, in the job's comment: a node never has two jobs
 *                    queued or running at once, whichever attempt submitted them
 * @param attempt     the attempt of that node
 * @param argv        the program (a name in, or a path under, the resource's program directories) and
 *                    its arguments, each reaching the program as written
 * @param environment exported in the batch script, besides a fixed {@code PATH}; nothing else of the
 *                    submitting shell reaches the job
 * @param workdir     where it runs
 * @param stdout      where its standard output goes
 * @param stderr      where its standard error goes
 * @param cores       {@code --cpus-per-task}, or null for the partition's default
 * @param memoryBytes {@code --mem}, or null for the partition's default
 * @param wallTime    {@code --time}, or null for the partition's default
 */
public record SlurmJob(String dispatchId, String taskId, int attempt, List<String> argv, Map<String, String> environment, String workdir,
    String stdout, String stderr, Integer cores, Long memoryBytes, Duration wallTime) {

  public SlurmJob {
    argv = List.copyOf(argv);
    environment = Map.copyOf(environment);
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("a job needs a program");
    }
  }

  /**
   * The node a job runs for, as its comment names it: a straggler's replica runs for a node of its
   * own, {@code <taskId>.replica}, so that it gets a job of its own instead of adopting the
   * original's, still running, and the original never adopts the replica's.
   */
  public static String node(String taskId, boolean replica) {
    return replica ? taskId + ".replica" : taskId;
  }

  public String name() {
    return "weft-" + dispatchId;
  }

  /** The job's comment: {@code weft:<taskId>:<attempt>}. */
  public String comment() {
    return "weft:" + taskId + ":" + attempt;
  }
}
