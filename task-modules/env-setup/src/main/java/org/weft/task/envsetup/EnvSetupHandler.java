package org.weft.task.envsetup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;

/**
 * Creates the experiment's working directory, {@code {workspace}/experiments/{experimentId}}, with
 * {@code inputs/}, {@code outputs/} and {@code logs/} for the tasks after it. Running it again is
 * harmless: what exists is kept.
 */
public class EnvSetupHandler implements TaskHandler {

  private static final Pattern SAFE_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,127}");

  private final Path workspace;

  EnvSetupHandler(WorkerProperties properties) {
    this.workspace = properties.workspaceDir().toAbsolutePath().normalize();
  }

  @Override
  public String taskType() {
    return "env-setup";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    if (!SAFE_ID.matcher(context.experimentId()).matches()) {
      throw TaskFailure.permanent("experiment id '" + context.experimentId() + "' cannot name a directory");
    }
    var workdir = workspace.resolve("experiments").resolve(context.experimentId());
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("workdir", workdir.toString());
    outputs.put("inputDir", Files.createDirectories(workdir.resolve("inputs")).toString());
    outputs.put("outputDir", Files.createDirectories(workdir.resolve("outputs")).toString());
    outputs.put("logDir", Files.createDirectories(workdir.resolve("logs")).toString());
    return outputs;
  }
}
