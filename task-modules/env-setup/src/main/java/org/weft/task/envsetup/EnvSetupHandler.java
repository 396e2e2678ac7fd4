package org.weft.task.envsetup;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteHosts;

/**
 * Creates the experiment's working directory, with {@code inputs/}, {@code outputs/} and
 * {@code logs/} for the tasks after it: {@code {workspace}/experiments/{experimentId}} on this
 * machine, {@code {scratch}/{experimentId}} on a remote resource (over SSH). Running it again is
 * harmless: what exists is kept. Outputs {@code workdir}, {@code inputDir}, {@code outputDir},
 * {@code logDir} and {@code resource}.
 */
public class EnvSetupHandler implements TaskHandler {


  private final Path workspace;
  private final RemoteHosts remotes;

  EnvSetupHandler(WorkerProperties properties, RemoteHosts remotes) {
    this.workspace = properties.workspaceDir().toAbsolutePath().normalize();
    this.remotes = remotes;
  }

  @Override
  public String taskType() {
    return "env-setup";
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    if (!TaskContext.safeId(context.experimentId())) {
      throw TaskFailure.permanent("experiment id '" + context.experimentId() + "' cannot name a directory");
    }
    var resource = remotes.resource(context.resource());
    if (!resource.local()) {
      var workdir = resource.experimentDir(context.experimentId());
      var outputs = new LinkedHashMap<String, Object>();
      outputs.put("workdir", workdir);
      outputs.put("inputDir", workdir + "/inputs");
      outputs.put("outputDir", workdir + "/outputs");
      outputs.put("logDir", workdir + "/logs");
      outputs.put("resource", context.resource());
      remotes.files(context.resource()).mkdirs(List.of(workdir + "/inputs", workdir + "/outputs", workdir + "/logs"));
      return outputs;
    }
    var workdir = workspace.resolve("experiments").resolve(context.experimentId());
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("workdir", workdir.toString());
    outputs.put("inputDir", Files.createDirectories(workdir.resolve("inputs")).toString());
    outputs.put("outputDir", Files.createDirectories(workdir.resolve("outputs")).toString());
    outputs.put("logDir", Files.createDirectories(workdir.resolve("logs")).toString());
    outputs.put("resource", ComputeResources.LOCAL);
    return outputs;
  }
}
