package org.weft.orchestrator.lifecycle;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What an attempt that found its inputs lost sets in motion: each lost file is re-created by
 * re-running the nodes that made it, its producer and, for a producer that only followed a job (a
 * monitoring node, which reports the job's files once it has ended), the job submission it
 * followed. Those nodes are upstream of the consumer, which waits for them as for any predecessor;
 * when they run they check their own inputs in turn, so the re-runs reach exactly as far upstream as
 * the data is gone. Re-creating one file is bounded; past the bound, or for a file no node of the
 * experiment wrote, the consumer fails naming it.
 */
public final class ReconstructionRules {

  private ReconstructionRules() {}

  /**
   * A node that re-creates a lost file when run again.
   *
   * @param id    the task node's id
   * @param key   its key, for people
   * @param state its state now
   */
  public record Maker(String id, String key, TaskState state) {}

  /**
   * A file an attempt found lost, as the graph knows it.
   *
   * @param state           its data object's state, or null when no task of the experiment reported it
   * @param reconstructions how many times it has been re-created already
   * @param makers          the nodes that re-create it
   */
  public record LostFile(String uri, String resource, DataState state, int reconstructions, List<Maker> makers) {

    public LostFile {
      makers = List.copyOf(makers);
    }

    String name() {
      return uri + " on " + resource;
    }
  }

  /** What follows. */
  public sealed interface Plan {}

  /**
   * Re-create: the files to mark lost now (the others are being re-created already, or were and
   * came back missing, which counts again), and the nodes to run again with why.
   */
  public record Rebuild(List<LostFile> marked, Map<String, String> rerun) implements Plan {}

  /** Nothing can re-create a file: the consumer fails, for this reason. */
  public record GiveUp(String reason) implements Plan {}

  /**
   * @param consumer the key of the node whose attempt found the files lost
   * @param limit    the most times one file is re-created
   */
  public static Plan plan(String consumer, List<LostFile> lost, int limit) {
    var marked = new ArrayList<LostFile>();
    var rerun = new LinkedHashMap<String, String>();
    for (var file : lost) {
      if (file.state() == null || file.makers().isEmpty()) {
        return new GiveUp("input %s was lost, and no task of this experiment wrote it".formatted(file.name()));
      }
      if (file.makers().stream().anyMatch(m -> m.state() != TaskState.SUCCEEDED && !isComing(m.state()))) {
        return new GiveUp("input %s was lost, and the task that wrote it did not succeed".formatted(file.name()));
      }
      boolean beingMade = file.state() == DataState.LOST
          && file.makers().stream().anyMatch(m -> m.state() != TaskState.SUCCEEDED);
      if (beingMade) {
        continue;
      }
      if (file.reconstructions() >= limit) {
        return new GiveUp("input %s was lost again after being re-created %d time%s".formatted(file.name(),
            file.reconstructions(), file.reconstructions() == 1 ? "" : "s"));
      }
      if (file.state() != DataState.LOST) {
        file.state().moveTo(DataState.LOST);
      }
      marked.add(file);
      for (var maker : file.makers()) {
        if (maker.state() == TaskState.SUCCEEDED) {
          maker.state().moveTo(TaskState.WAITING);
          rerun.putIfAbsent(maker.id(), "re-run to re-create %s, lost when %s was to read it".formatted(file.name(),
              consumer));
        }
      }
    }
    return new Rebuild(marked, rerun);
  }

  /** A maker not executed now but on its way to be: it will report the file again. */
  private static boolean isComing(TaskState state) {
    return state == TaskState.WAITING || state == TaskState.READY || state.isInFlight();
  }
}
