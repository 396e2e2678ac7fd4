package org.weft.task.runtime;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.weft.task.api.TaskResult;

/**
 * The dispatch ids this worker has taken: those running, and the last finished ones with their
 * results, so that a repeated dispatch (the orchestrator re-sends after a crash) is answered with
 * the earlier result instead of a second run.
 */
final class DispatchJournal {

  /** What to do with a dispatch that arrived. */
  sealed interface Admission {
    record Run() implements Admission {}

    /** It is running now; its result will come. */
    record AlreadyRunning() implements Admission {}

    record AlreadyDone(TaskResult result) implements Admission {}
  }

  private final int capacity;
  private final Map<String, Boolean> running = new LinkedHashMap<>();
  private final LinkedHashMap<String, TaskResult> finished;

  DispatchJournal(int capacity) {
    this.capacity = capacity;
    this.finished = new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, TaskResult> eldest) {
        return size() > DispatchJournal.this.capacity;
      }
    };
  }

  synchronized Admission admit(String dispatchId) {
    if (running.containsKey(dispatchId)) {
      return new Admission.AlreadyRunning();
    }
    var done = finished.get(dispatchId);
    if (done != null) {
      return new Admission.AlreadyDone(done);
    }
    running.put(dispatchId, Boolean.TRUE);
    return new Admission.Run();
  }

  synchronized void finish(String dispatchId, TaskResult result) {
    running.remove(dispatchId);
    finished.put(dispatchId, result);
  }

  /** Forgets a dispatch handed back unfinished (at shutdown), so that it may run again elsewhere. */
  synchronized void abandon(String dispatchId) {
    running.remove(dispatchId);
  }

  synchronized Optional<TaskResult> result(String dispatchId) {
    return Optional.ofNullable(finished.get(dispatchId));
  }

  synchronized int running() {
    return running.size();
  }
}
