package org.weft.task.runtime.hpc;

import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.weft.task.runtime.TaskFailure;

/**
 * Writes the batch script of a {@link SlurmJob}. Everything that comes from a template or an
 * experiment's inputs reaches the script only through {@link ShellWords#quote}; the directives hold
 * only values Weft checked (paths of plain characters, numbers, names from the configuration). The
 * script records the job's exit code under {@code <scratch>/.weft/jobs/<jobId>.exit} as its last act,
 * so that the end of a job is known without accounting ({@code sacct}) and long after the
 * scheduler has forgotten the job.
 */
public final class SlurmBatchScript {

  private static final Pattern DISPATCH_ID = Pattern.compile("[A-Za-z0-9-]{1,64}");
  // a member's id ends in its index in brackets: e-1:run[3]
  static final Pattern TASK_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:\\[\\]-]{0,200}");
  private static final Pattern ENV_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]{0,127}");
  private static final Pattern PROGRAM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._+-]{0,127}");
  static final String PATH = "/usr/local/bin:/usr/bin:/bin";

  private SlurmBatchScript() {}

  /** @throws TaskFailure (not retryable) for a job this resource cannot take as it is */
  public static String of(SlurmJob job, ComputeResources.Resource resource) {
    if (!DISPATCH_ID.matcher(job.dispatchId()).matches()) {
      throw TaskFailure.permanent("dispatch id '" + job.dispatchId() + "' cannot name a job");
    }
    if (!TASK_ID.matcher(job.taskId()).matches()) {
      throw TaskFailure.permanent("task id '" + job.taskId() + "' cannot go into a job's comment");
    }
    for (var path : List.of(job.workdir(), job.stdout(), job.stderr())) {
      remotePath(path);
    }
    var script = new StringBuilder("#!/bin/sh\n");
    directive(script, "job-name", job.name());
    directive(script, "comment", job.comment());
    directive(script, "chdir", job.workdir());
    directive(script, "output", job.stdout());
    directive(script, "error", job.stderr());
    directive(script, "export", "NONE");
    directive(script, "nodes", "1");
    directive(script, "ntasks", "1");
    if (job.cores() != null) {
      if (job.cores() < 1) {
        throw TaskFailure.permanent("resources.cores must be at least 1: " + job.cores());
      }
      directive(script, "cpus-per-task", job.cores().toString());
    }
    if (job.memoryBytes() != null) {
      directive(script, "mem", Math.max(1, (job.memoryBytes() + (1 << 20) - 1) >> 20) + "M");
    }
    if (job.wallTime() != null) {
      directive(script, "time", time(job.wallTime()));
    }
    if (resource.partition() != null) {
      directive(script, "partition", resource.partition());
    }
    if (resource.account() != null) {
      directive(script, "account", resource.account());
    }
    if (resource.qos() != null) {
      directive(script, "qos", resource.qos());
    }
    var jobs = resource.weftDir() + "/jobs";
    script.append("weft_record=").append(ShellWords.quote(jobs)).append("/\"$SLURM_JOB_ID\"\n");
    script.append("printf '%s\\n%s\\n' ").append(ShellWords.quote(job.stdout())).append(' ')
        .append(ShellWords.quote(job.stderr())).append(" > \"$weft_record.paths\"\n");
    script.append("export PATH=").append(ShellWords.quote(PATH)).append('\n');
    for (var variable : new TreeMap<>(job.environment()).entrySet()) {
      if (!ENV_NAME.matcher(variable.getKey()).matches()) {
        throw TaskFailure.permanent("command.env has an invalid variable name '" + variable.getKey() + "'");
      }
      script.append("export ").append(variable.getKey()).append('=').append(quoted(variable.getValue())).append('\n');
    }
    script.append(program(job.argv().get(0), resource.programDirs()));
    script.append("if [ -n \"$weft_program\" ]; then\n  \"$weft_program\"");
    for (var argument : job.argv().subList(1, job.argv().size())) {
      script.append(' ').append(quoted(argument));
    }
    script.append(" < /dev/null\n  weft_code=$?\nelse\n  weft_code=127\nfi\n");
    script.append("printf '%s' \"$weft_code\" > \"$weft_record.exit.tmp\" && mv -f \"$weft_record.exit.tmp\" \"$weft_record.exit\"\n");
    script.append("exit \"$weft_code\"\n");
    return script.toString();
  }

  /**
   * Finds the program: a bare name in the first program directory that has it, an absolute path
   * only inside one of them. The lookup happens on the cluster, where the programs are.
   */
  private static String program(String program, List<String> programDirs) {
    if (programDirs.isEmpty()) {
      throw TaskFailure.permanent("the resource has no program directories, so it runs no program");
    }
    var text = new StringBuilder("weft_program=\n");
    if (program.startsWith("/")) {
      var inside = programDirs.stream().anyMatch(dir -> program.startsWith(dir.endsWith("/") ? dir : dir + "/"));
      if (!inside || program.contains("/../") || program.contains("/./") || program.indexOf('\0') >= 0) {
        throw TaskFailure.permanent("program " + program + " is not inside the resource's program directories " + programDirs);
      }
      text.append("[ -f ").append(quoted(program)).append(" ] && [ -x ").append(quoted(program))
          .append(" ] && weft_program=").append(quoted(program)).append('\n');
    } else {
      if (!PROGRAM_NAME.matcher(program).matches()) {
        throw TaskFailure.permanent("program name '" + program + "' is not a plain file name");
      }
      text.append("for weft_dir in ").append(ShellWords.join(programDirs)).append("; do\n")
          .append("  if [ -f \"$weft_dir\"/").append(quoted(program)).append(" ] && [ -x \"$weft_dir\"/")
          .append(quoted(program)).append(" ]; then weft_program=\"$weft_dir\"/").append(quoted(program))
          .append("; break; fi\ndone\n");
    }
    text.append("[ -n \"$weft_program\" ] || echo ").append(quoted("weft: program " + program
        + " is not an executable in " + String.join(" ", programDirs))).append(" >&2\n");
    return text.toString();
  }

  /** {@code --time} as {@code D-HH:MM:SS}, rounded up to whole seconds. */
  static String time(Duration wallTime) {
    if (wallTime.isNegative() || wallTime.isZero()) {
      throw TaskFailure.permanent("resources.wallTime must be positive: " + wallTime);
    }
    long seconds = wallTime.toSeconds() + (wallTime.toNanosPart() > 0 ? 1 : 0);
    return "%d-%02d:%02d:%02d".formatted(seconds / 86_400, seconds / 3_600 % 24, seconds / 60 % 60, seconds % 60);
  }

  static String remotePath(String path) {
    if (path == null || !ComputeResources.REMOTE_PATH.matcher(path).matches() || path.contains("/../")
        || path.endsWith("/..")) {
      throw TaskFailure.permanent("remote path '" + path + "' must be absolute, of letters, digits, '.', '_', '-' and '/'");
    }
    return path;
  }

  private static void directive(StringBuilder script, String option, String value) {
    script.append("#SBATCH --").append(option).append('=').append(value).append('\n');
  }

  private static String quoted(String word) {
    try {
      return ShellWords.quote(word);
    } catch (IllegalArgumentException e) {
      throw TaskFailure.permanent("a job argument or variable contains a NUL character");
    }
  }
}
