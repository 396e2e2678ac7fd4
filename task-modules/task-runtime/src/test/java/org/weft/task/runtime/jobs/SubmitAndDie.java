package org.weft.task.runtime.jobs;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;

/**
 * A job-submission service in miniature, run as its own JVM by the tests: submits one job, prints
 * its id, and dies at once without any clean-up, as a killed service would.
 * Arguments: {@code jobsDir workdir wallTimeOrDash program args...}.
 */
public final class SubmitAndDie {

  private SubmitAndDie() {}

  public static void main(String[] args) throws Exception {
    var workdir = Path.of(args[1]);
    var wallTime = "-".equals(args[2]) ? null : Duration.parse(args[2]);
    var argv = Arrays.asList(args).subList(3, args.length);
    var executor = new LocalProcessExecutor(Path.of(args[0]));
    var jobId = executor.submit(new JobSpec(argv, Map.of(), workdir, workdir.resolve("out"), workdir.resolve("err"),
        wallTime, null));
    Files.writeString(workdir.resolve("job-id"), jobId);
    Runtime.getRuntime().halt(0);
  }
}
