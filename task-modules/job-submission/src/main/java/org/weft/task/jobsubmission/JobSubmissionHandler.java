package org.weft.task.jobsubmission;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.util.unit.DataSize;
import org.weft.task.api.DataFile;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.TaskHandler;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.files.DeclaredFiles;
import org.weft.task.runtime.files.SafePaths;
import org.weft.task.runtime.hpc.ComputeResources;
import org.weft.task.runtime.hpc.RemoteHosts;
import org.weft.task.runtime.hpc.SlurmJob;
import org.weft.task.runtime.jobs.CommandTemplate;
import org.weft.task.runtime.jobs.JobExecutor;
import org.weft.task.runtime.jobs.JobSpec;

/**
 * Renders the node's command template into an argument list, with the program from the allowed
 * program directories, and submits it with the node's environment and resources: to the job
 * executor of this machine, or, on a SLURM resource, as a batch job over SSH (named
 * {@code weft-<dispatchId>}, so a dispatch never makes two jobs). The job runs in
 * {@code params.workdir} (default: the experiment's working directory), its stdout and stderr going
 * to {@code logs/} there. Outputs {@code jobId}, {@code workdir}, {@code stdout}, {@code stderr} and
 * {@code resource}.
 */
public class JobSubmissionHandler implements TaskHandler {

  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");

  private final WorkerProperties properties;
  private final RemoteHosts remotes;
  private final ObjectProvider<JobExecutor> executor;

  JobSubmissionHandler(WorkerProperties properties, RemoteHosts remotes, ObjectProvider<JobExecutor> executor) {
    this.properties = properties;
    this.remotes = remotes;
    this.executor = executor;
  }

  @Override
  public String taskType() {
    return "job-submission";
  }

  /** A SLURM submission finds the job its dispatch made before, so running it again submits nothing new. */
  @Override
  public boolean rerunsSafely(TaskContext context) {
    return remotes.resources().find(context.resource()).map(resource -> !resource.local()).orElse(false);
  }

  @Override
  public Map<String, Object> run(TaskContext context) throws Exception {
    var command = context.section("command");
    var argv = new ArrayList<>(CommandTemplate.render(command.get("template")));
    var resource = remotes.resource(context.resource());
    if (!resource.local()) {
      return submitRemote(context, resource, argv, environment(command));
    }
    argv.set(0, CommandTemplate.program(argv.get(0), properties.jobs().programDirectories()).toString());
    var workspace = properties.workspaceDir();
    var experimentDir = workspace.toAbsolutePath().normalize().resolve("experiments").resolve(context.experimentId());
    var workdirParam = context.params().get("workdir");
    var workdir = workdirParam == null ? experimentDir
        : SafePaths.under(List.of(workspace), String.valueOf(workdirParam), "params.workdir");
    var allowed = new ArrayList<Path>(List.of(experimentDir, workdir));
    allowed.addAll(properties.jobs().programDirectories());
    CommandTemplate.checkPaths(argv, (path, field) -> {
      var file = SafePaths.under(allowed, Path.of(path).isAbsolute() ? path : workdir.resolve(path).toString(), field);
      // a file the command names that exists before the job starts is one of its inputs
      if (Files.isRegularFile(file, LinkOption.NOFOLLOW_LINKS)
          && properties.jobs().programDirectories().stream().noneMatch(file::startsWith)) {
        context.consumed(new DataFile(file.toString(), ComputeResources.LOCAL, sizeOf(file), null));
      }
    });
    // what the template says the job reads, beyond the files its command names
    DeclaredFiles.local(allowed, context.params().get("inputs"), "params.inputs").forEach(context::consumed);
    var logs = Files.createDirectories(workdir.resolve("logs"));
    var base = logName(context, context.attempt());
    var stdout = logs.resolve(base + ".stdout");
    var stderr = logs.resolve(base + ".stderr");
    var environment = environment(command);
    environment.put("WEFT_EXPERIMENT_ID", context.experimentId());
    environment.put("WEFT_TASK_KEY", context.taskKey());
    environment.put("WEFT_ATTEMPT", String.valueOf(context.attempt()));
    environment.put("WEFT_REPLICA", String.valueOf(context.isReplica()));
    environment.put("WEFT_WORKDIR", workdir.toString());
    var resources = context.section("resources");
    var spec = new JobSpec(argv, environment, workdir, stdout, stderr, wallTime(resources, context),
        memory(resources.get("memory")));
    var jobId = executor.getObject().submit(spec);
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("jobId", jobId);
    outputs.put("workdir", workdir.toString());
    outputs.put("stdout", stdout.toString());
    outputs.put("stderr", stderr.toString());
    outputs.put("resource", ComputeResources.LOCAL);
    return outputs;
  }

  private Map<String, Object> submitRemote(TaskContext context, ComputeResources.Resource resource, List<String> argv,
      Map<String, String> environment) {
    var workdirParam = context.params().get("workdir");
    var workdir = workdirParam == null ? resource.experimentDir(context.experimentId())
        : resource.within(String.valueOf(workdirParam), "params.workdir");
    var experimentDir = resource.experimentDir(context.experimentId());
    CommandTemplate.checkPaths(argv, (path, field) -> {
      var absolute = resource.within(path.startsWith("/") ? path : workdir + "/" + path, field);
      if (!(absolute + "/").startsWith(experimentDir + "/") && !(absolute + "/").startsWith(workdir + "/")) {
        throw TaskFailure.permanent("%s %s is outside the experiment's directory %s".formatted(field, path, experimentDir));
      }
    });
    // what the template says the job reads
    DeclaredFiles.remote(remotes.files(context.resource()), resource, context.resource(), context.params().get("inputs"),
        "params.inputs").forEach(context::consumed);
    var base = "%s/logs/%s".formatted(workdir, logName(context, context.attempt()));
    environment.put("WEFT_EXPERIMENT_ID", context.experimentId());
    environment.put("WEFT_TASK_KEY", context.taskKey());
    environment.put("WEFT_ATTEMPT", String.valueOf(context.attempt()));
    environment.put("WEFT_REPLICA", String.valueOf(context.isReplica()));
    environment.put("WEFT_WORKDIR", workdir);
    var resources = context.section("resources");
    var node = SlurmJob.node(context.dispatch().taskId(), context.isReplica());
    var job = new SlurmJob(context.dispatch().dispatchId(), node, context.attempt(), argv,
        environment, workdir, base + ".stdout", base + ".stderr", cores(resources.get("cores")),
        memory(resources.get("memory")), wallTime(resources, context));
    var submitted = remotes.scheduler(context.resource()).submit(job);
    // an earlier attempt's job, still queued or running, is this node's job: its logs carry that attempt's name
    var logs = "%s/logs/%s".formatted(workdir, logName(context, submitted.attempt()));
    var outputs = new LinkedHashMap<String, Object>();
    outputs.put("jobId", submitted.jobId());
    outputs.put("workdir", workdir);
    outputs.put("stdout", logs + ".stdout");
    outputs.put("stderr", logs + ".stderr");
    outputs.put("resource", context.resource());
    return outputs;
  }

  /** The name of an attempt's logs; a replica's differ from the original's, which runs beside it. */
  private static String logName(TaskContext context, int attempt) {
    return "%s.attempt-%d%s".formatted(fileName(context.taskKey()), attempt, context.isReplica() ? ".replica" : "");
  }

  private static Long sizeOf(Path file) {
    try {
      return Files.size(file);
    } catch (java.io.IOException e) {
      return null;
    }
  }

  private static LinkedHashMap<String, String> environment(Map<String, Object> command) {
    var environment = new LinkedHashMap<String, String>();
    if (command.get("env") instanceof Map<?, ?> env) {
      for (var entry : env.entrySet()) {
        var name = String.valueOf(entry.getKey());
        if (!ENV_NAME.matcher(name).matches()) {
          throw TaskFailure.permanent("command.env has an invalid variable name '" + name + "'");
        }
        environment.put(name, String.valueOf(entry.getValue()));
      }
    }
    return environment;
  }

  private static Integer cores(Object value) {
    if (value == null) {
      return null;
    }
    try {
      return Integer.valueOf(String.valueOf(value));
    } catch (NumberFormatException e) {
      throw TaskFailure.permanent("resources.cores '" + value + "' is not a whole number");
    }
  }

  private static Duration wallTime(Map<String, Object> resources, TaskContext context) {
    var text = resources.get("wallTime");
    if (text == null) {
      return null;
    }
    try {
      return Duration.parse(String.valueOf(text));
    } catch (DateTimeParseException e) {
      throw TaskFailure.permanent("resources.wallTime '" + text + "' is not an ISO-8601 duration");
    }
  }

  static Long memory(Object value) {
    if (value == null) {
      return null;
    }
    var text = String.valueOf(value).trim().replace("iB", "B");
    try {
      return DataSize.parse(text).toBytes();
    } catch (IllegalArgumentException e) {
      throw TaskFailure.permanent("resources.memory '" + value + "' is not a size such as 512MiB");
    }
  }

  /**
   * A task key as a file name: a member's key {@code run[3]} becomes {@code run.3}, which no task
   * key can be (keys have no '.'), and which a cluster's path rules and SLURM's directives accept.
   */
  static String fileName(String taskKey) {
    return taskKey.replace('[', '.').replace("]", "");
  }
}
