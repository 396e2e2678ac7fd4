package org.weft.task.runtime;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.weft.task.api.DataFile;
import org.weft.task.api.TaskDispatch;

/** What a handler sees of the attempt it runs: its dispatch, and the means to report and be stopped. */
public final class TaskContext {

  /** Why an attempt is being stopped. */
  public enum StopReason {
    /** the experiment was cancelled or failed: undo what the attempt started */
    WORK_ABANDONED,
    /** the orchestrator gave up on this attempt and retries it: what it started belongs to the retry */
    ATTEMPT_EXPIRED,
    /** this worker is shutting down and hands the attempt back: what it started belongs to the retry */
    WORKER_STOPPING
  }

  /**
   * What an experiment id must look like before any handler uses it in a path: no separator, no
   * {@code ..}, nothing a shell or a scheduler reads specially. The orchestrator's ids (UUIDs) are.
   */
  public static final java.util.regex.Pattern SAFE_ID = java.util.regex.Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final TaskDispatch dispatch;
  private final String workerId;
  private final AtomicReference<Map<String, Object>> progress = new AtomicReference<>(Map.of());
  private final List<Runnable> onCancel = new CopyOnWriteArrayList<>();
  private final java.util.concurrent.CountDownLatch cancellation = new java.util.concurrent.CountDownLatch(1);
  private final AtomicReference<StopReason> stopReason = new AtomicReference<>();
  private final List<DataFile> produced = new CopyOnWriteArrayList<>();
  private final List<DataFile> consumed = new CopyOnWriteArrayList<>();

  /** The runtime makes these; a handler's own tests may too. */
  public TaskContext(TaskDispatch dispatch, String workerId) {
    this.dispatch = dispatch;
    this.workerId = workerId;
  }

  public TaskDispatch dispatch() {
    return dispatch;
  }

  /** The experiment's id, checked against {@link #SAFE_ID} before the attempt reached its handler. */
  public String experimentId() {
    return dispatch.experimentId();
  }

  /** Whether an id may name a directory. */
  public static boolean safeId(String id) {
    return id != null && SAFE_ID.matcher(id).matches() && !id.contains("..");
  }

  public String taskKey() {
    return dispatch.taskKey();
  }

  public int attempt() {
    return dispatch.attempt();
  }

  /**
   * Whether this is a straggler's replica: a second copy of an attempt that runs elsewhere too, so
   * whatever it names after its attempt (logs, say) must not collide with the original's.
   */
  public boolean isReplica() {
    return dispatch.runsAsReplica();
  }

  public String workerId() {
    return workerId;
  }

  /** The template's {@code params} of this node, resolved. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> params() {
    var params = dispatch.context().get("params");
    return params instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /**
   * The compute resource the node runs on, as the template (or the experiment's inputs) chose:
   * {@code local} when it names none.
   */
  public String resource() {
    var resource = dispatch.context().get("resource");
    return resource instanceof String name && !name.isBlank() ? name : org.weft.task.runtime.hpc.ComputeResources.LOCAL;
  }

  /** A part of the context ({@code command}, {@code resources}, {@code inputs}, ...), or an empty map. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> section(String name) {
    var section = dispatch.context().get(name);
    return section instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
  }

  /**
   * Reports a file this attempt wrote; its success carries it, and the orchestrator records it as
   * a data object this task produced.
   */
  public void produced(DataFile file) {
    produced.add(file);
  }

  /** Reports a file this attempt read; the orchestrator records that this task consumed it. */
  public void consumed(DataFile file) {
    consumed.add(file);
  }

  /**
   * The files the orchestrator expects this attempt to read, as their producers reported them
   * ({@code data.inputs} of the context): the runtime checks them before the handler runs. Empty for
   * a task whose predecessors wrote no files.
   *
   * @throws TaskFailure when the dispatch describes them wrongly
   */
  public List<DataFile> expectedInputs() {
    var listed = section("data").get("inputs");
    if (listed == null) {
      return List.of();
    }
    if (!(listed instanceof List<?> entries)) {
      throw TaskFailure.permanent("the dispatch's data.inputs must be a list of files");
    }
    var files = new java.util.ArrayList<DataFile>(entries.size());
    for (var entry : entries) {
      if (!(entry instanceof Map<?, ?> file) || !(file.get("uri") instanceof String uri)) {
        throw TaskFailure.permanent("each of the dispatch's data.inputs must be a file with a uri");
      }
      try {
        files.add(new DataFile(uri, file.get("resource") instanceof String r ? r : null,
            file.get("size") instanceof Number n ? n.longValue() : null,
            file.get("checksum") instanceof String c ? c : null));
      } catch (IllegalArgumentException e) {
        throw TaskFailure.permanent("the dispatch's data.inputs name a file wrongly: " + e.getMessage());
      }
    }
    return files;
  }

  /**
   * Whether the inputs are checked by content ({@code data.verify: checksum}) and not only by
   * existence and size (the default).
   */
  public boolean verifiesChecksums() {
    return "checksum".equals(section("data").get("verify"));
  }

  List<DataFile> produced() {
    return List.copyOf(produced);
  }

  List<DataFile> consumed() {
    return List.copyOf(consumed);
  }

  /** Sent with the next heartbeats as the attempt's progress. */
  public void progress(Map<String, Object> progress) {
    this.progress.set(Map.copyOf(progress));
  }

  Map<String, Object> progress() {
    return progress.get();
  }

  public boolean isCancelled() {
    return cancellation.getCount() == 0;
  }

  /**
   * Waits up to {@code timeout}, returning at once when the attempt is cancelled: a handler that
   * polls waits with this, so a cancel is not held up by its poll interval.
   *
   * @return true when the attempt has been cancelled
   */
  public boolean awaitCancellation(java.time.Duration timeout) throws InterruptedException {
    return cancellation.await(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  /** Why the attempt is being stopped, or null while it is not. */
  public StopReason stopReason() {
    return stopReason.get();
  }

  /**
   * Runs when the attempt's work is abandoned (its experiment was cancelled or failed), e.g. to kill
   * the job it follows. It does not run when only the attempt stops, at this worker's shutdown or
   * because the orchestrator retries it: a graceful restart of a monitoring service must not kill
   * the simulations it was following, which the retry picks up.
   */
  public void onCancel(Runnable action) {
    onCancel.add(action);
    if (stopReason() == StopReason.WORK_ABANDONED) {
      action.run();
    }
  }

  /** @throws TaskFailure when the attempt has been cancelled */
  public void checkCancelled() {
    if (isCancelled()) {
      throw TaskFailure.permanent("cancelled");
    }
  }

  /** Stops the attempt; the first reason given is the one that counts. */
  void stop(StopReason reason) {
    if (!stopReason.compareAndSet(null, reason)) {
      return;
    }
    cancellation.countDown();
    if (reason == StopReason.WORK_ABANDONED) {
      onCancel.forEach(Runnable::run);
    }
  }
}
