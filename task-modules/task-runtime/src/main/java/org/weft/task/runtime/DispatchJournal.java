package org.weft.task.runtime;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weft.task.api.TaskResult;
import org.weft.task.runtime.files.WholeFiles;

/**
 * The dispatch ids this worker has taken: those running, and the last finished ones with their
 * results, so that a repeated dispatch (the orchestrator re-sends after a crash) is answered with
 * the earlier result instead of a second run.
 *
 * <p>With a file, the journal outlives the process: each admission and each end is appended before
 * the handler starts and before the result is sent. An admission with no end in the file is an
 * attempt that was running when the process died; a repeat of it is answered with a retryable
 * failure rather than run again, since its side effects (a job started, say) may have happened. The
 * appends reach the operating system at once, which is what a killed process needs; they are not
 * forced to the disk, so a machine that loses power may forget the last ones.
 */
final class DispatchJournal implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(DispatchJournal.class);

  /** What to do with a dispatch that arrived. */
  sealed interface Admission {
    record Run() implements Admission {}

    /** It is running now; its result will come. */
    record AlreadyRunning() implements Admission {}

    record AlreadyDone(TaskResult result) implements Admission {}

    /** It was running here when this worker's process died. */
    record Interrupted() implements Admission {}
  }

  /** The file is another live worker's journal. */
  static final class InUseException extends IllegalStateException {
    InUseException(Path file) {
      super("Another worker process keeps its journal in " + file);
    }
  }

  /**
   * The journal of task type {@code type} in {@code dir}: the first of {@code journal-<type>.log},
   * {@code journal-<type>-2.log}, … that no other live process holds, so that instances started from
   * one directory each keep their own. One that restarts may take up another's old journal; that does
   * no harm, as dispatch ids are unique and what it holds of attempts cut short is true of them.
   */
  static DispatchJournal open(int capacity, Path dir, String type, Codec codec) {
    for (int slot = 1; ; slot++) {
      var file = dir.resolve(slot == 1 ? "journal-" + type + ".log" : "journal-" + type + "-" + slot + ".log");
      try {
        return new DispatchJournal(capacity, file, codec);
      } catch (InUseException e) {
        if (slot >= 64) {
          throw e;
        }
      }
    }
  }

  /** How results are written to and read from the file: one line of text each. */
  record Codec(Function<TaskResult, String> write, Function<String, TaskResult> read) {}

  private static final String RUN = "R ";
  private static final String DONE = "D ";
  private static final String ABANDONED = "A ";

  private final int capacity;
  private final Set<String> running = new LinkedHashSet<>();
  private final LinkedHashMap<String, TaskResult> finished;
  private final LinkedHashSet<String> interrupted;
  private final Path file;
  private final Codec codec;
  private FileChannel channel;
  /** Held on a file of its own, which compaction never replaces: the journal's is swapped for a new one. */
  private FileChannel lockChannel;
  private FileLock lock;
  private long appended;

  /** A journal in memory only. */
  DispatchJournal(int capacity) {
    this(capacity, null, null);
  }

  /**
   * A journal kept in {@code file} as well, read back if it exists. Only one process may use a file
   * at a time; a second one is refused at once.
   */
  DispatchJournal(int capacity, Path file, Codec codec) {
    this.capacity = capacity;
    this.file = file;
    this.codec = codec;
    this.finished = bounded(capacity);
    this.interrupted = new LinkedHashSet<>();
    if (file != null) {
      open();
    }
  }

  private static <V> LinkedHashMap<String, V> bounded(int capacity) {
    return new LinkedHashMap<>(16, 0.75f, false) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, V> eldest) {
        return size() > capacity;
      }
    };
  }

  private void open() {
    try {
      Files.createDirectories(file.toAbsolutePath().getParent());
      lockChannel = FileChannel.open(file.resolveSibling(file.getFileName() + ".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      try {
        lock = lockChannel.tryLock();
      } catch (OverlappingFileLockException sameProcess) {
        lock = null;
      }
      if (lock == null) {
        lockChannel.close();
        throw new InUseException(file);
      }
      if (!Files.exists(file)) {
        Files.createFile(file);
      }
      replay();
      compact();
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot open the dispatch journal " + file, e);
    }
  }

  private void replay() throws IOException {
    var started = new LinkedHashSet<String>();
    int unreadable = 0;
    // decoded leniently: the last line of a killed process may end inside a character
    for (var line : new String(Files.readAllBytes(file), StandardCharsets.UTF_8).split("\n")) {
      try {
        if (line.startsWith(RUN)) {
          started.add(line.substring(RUN.length()));
        } else if (line.startsWith(DONE)) {
          var result = codec.read().apply(line.substring(DONE.length()));
          started.remove(result.dispatchId());
          interrupted.remove(result.dispatchId());
          finished.put(result.dispatchId(), result);
        } else if (line.startsWith(ABANDONED)) {
          started.remove(line.substring(ABANDONED.length()));
        } else if (!line.isBlank()) {
          unreadable++;
        }
      } catch (RuntimeException e) {
        // the last line of a process killed while it wrote it
        unreadable++;
      }
    }
    interrupted.addAll(started);
    if (!interrupted.isEmpty() || unreadable > 0) {
      log.warn("Dispatch journal {}: {} attempts were running when the worker last stopped; {} unreadable lines",
          file, interrupted.size(), unreadable);
    }
    while (interrupted.size() > capacity) {
      interrupted.remove(interrupted.iterator().next());
    }
  }

  /** Rewrites the file with what is remembered, so that it does not grow without end. */
  private void compact() throws IOException {
    var lines = new StringBuilder();
    for (var id : interrupted) {
      lines.append(RUN).append(id).append('\n');
    }
    for (var id : running) {
      lines.append(RUN).append(id).append('\n');
    }
    for (var result : finished.values()) {
      lines.append(DONE).append(codec.write().apply(result)).append('\n');
    }
    WholeFiles.write(file, lines);
    var old = channel;
    channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
    if (old != null) {
      old.close();
    }
    appended = 0;
  }

  private void append(String line) {
    if (channel == null) {
      return;
    }
    try {
      var bytes = ByteBuffer.wrap((line + '\n').getBytes(StandardCharsets.UTF_8));
      while (bytes.hasRemaining()) {
        channel.write(bytes);
      }
      appended++;
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot write the dispatch journal " + file, e);
    }
  }

  /** Compacts once the file holds several times what is remembered; called after memory is up to date. */
  private void compactWhenLong() {
    if (channel != null && appended > 4L * Math.max(capacity, 1000)) {
      try {
        compact();
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot compact the dispatch journal " + file, e);
      }
    }
  }

  synchronized Admission admit(String dispatchId) {
    if (running.contains(dispatchId)) {
      return new Admission.AlreadyRunning();
    }
    var done = finished.get(dispatchId);
    if (done != null) {
      return new Admission.AlreadyDone(done);
    }
    if (interrupted.contains(dispatchId)) {
      return new Admission.Interrupted();
    }
    append(RUN + dispatchId);
    running.add(dispatchId);
    compactWhenLong();
    return new Admission.Run();
  }

  /** Runs an interrupted dispatch again, for a handler that says doing so is safe. */
  synchronized void readmit(String dispatchId) {
    interrupted.remove(dispatchId);
    append(RUN + dispatchId);
    running.add(dispatchId);
  }

  synchronized void finish(String dispatchId, TaskResult result) {
    append(DONE + (codec == null ? "" : codec.write().apply(result)));
    running.remove(dispatchId);
    interrupted.remove(dispatchId);
    finished.put(dispatchId, result);
    compactWhenLong();
  }

  /** Forgets a dispatch handed back unfinished (at shutdown), so that it may run again elsewhere. */
  synchronized void abandon(String dispatchId) {
    append(ABANDONED + dispatchId);
    running.remove(dispatchId);
    compactWhenLong();
  }

  synchronized Optional<TaskResult> result(String dispatchId) {
    return Optional.ofNullable(finished.get(dispatchId));
  }

  synchronized int running() {
    return running.size();
  }

  /** The ids of attempts that were running when this worker's process last died. */
  synchronized List<String> interrupted() {
    return new ArrayList<>(interrupted);
  }

  @Override
  public synchronized void close() {
    if (channel != null) {
      try {
        channel.close();
        lock.release();
        lockChannel.close();
      } catch (IOException e) {
        log.debug("Closing the dispatch journal {}: {}", file, e.toString());
      }
      channel = null;
    }
  }
}
