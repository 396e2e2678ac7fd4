package org.weft.task.runtime;

import java.util.List;
import org.weft.task.api.DataFile;
import org.weft.task.runtime.files.DataFiles;

/**
 * An attempt whose inputs were lost before it started: not the task's failure, and not run. Its
 * result names the files, which the orchestrator re-creates before it runs the task again.
 */
final class InputsLost extends TaskFailure {

  private final transient List<DataFile> files;

  InputsLost(List<DataFiles.Lost> lost) {
    super(describe(lost), false);
    this.files = lost.stream().map(DataFiles.Lost::file).toList();
  }

  List<DataFile> files() {
    return files;
  }

  private static String describe(List<DataFiles.Lost> lost) {
    var first = lost.get(0);
    var text = "input %s on %s is %s".formatted(first.file().uri(), first.file().resource(), first.reason());
    return lost.size() == 1 ? text : text + ", and %d more input%s are lost".formatted(lost.size() - 1,
        lost.size() == 2 ? "" : "s");
  }
}
