package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A chain of real jobs, each reading the file the one before wrote: a, b, c, then d, which also
 * waits for a job that ends only once {@code gate} exists in the experiment's working directory, so
 * that a test can change the files before d reads them. Each job's monitoring node reports the file.
 */
public final class StepChain {

  private StepChain() {}

  public static final String TEMPLATE = """
      tasks:
        - {key: setup, taskType: env-setup}
        - {key: a, taskType: job-submission, dependsOn: [setup], command: {template: [step, "${tasks.setup.outputs.workdir}/a.txt"]}}
        - {key: watch-a, taskType: monitoring, dependsOn: [a], params: {jobId: "${tasks.a.outputs.jobId}", outputs: ["${tasks.setup.outputs.workdir}/a.txt"]}}
        - {key: b, taskType: job-submission, dependsOn: [watch-a], command: {template: [step, "${tasks.setup.outputs.workdir}/b.txt", "${tasks.setup.outputs.workdir}/a.txt"]}}
        - {key: watch-b, taskType: monitoring, dependsOn: [b], params: {jobId: "${tasks.b.outputs.jobId}", outputs: ["${tasks.setup.outputs.workdir}/b.txt"]}}
        - {key: c, taskType: job-submission, dependsOn: [watch-b], command: {template: [step, "${tasks.setup.outputs.workdir}/c.txt", "${tasks.setup.outputs.workdir}/b.txt"]}}
        - {key: watch-c, taskType: monitoring, dependsOn: [c], params: {jobId: "${tasks.c.outputs.jobId}", outputs: ["${tasks.setup.outputs.workdir}/c.txt"]}}
        - {key: hold, taskType: job-submission, dependsOn: [setup], command: {template: [wait-for, "${tasks.setup.outputs.workdir}/gate"]}}
        - {key: watch-hold, taskType: monitoring, dependsOn: [hold], params: {jobId: "${tasks.hold.outputs.jobId}"}}
        - {key: d, taskType: job-submission, dependsOn: [watch-c, watch-hold], command: {template: [step, "${tasks.setup.outputs.workdir}/d.txt", "${tasks.setup.outputs.workdir}/c.txt"]}}
        - {key: watch-d, taskType: monitoring, dependsOn: [d], params: {jobId: "${tasks.d.outputs.jobId}", outputs: ["${tasks.setup.outputs.workdir}/d.txt"]}}
      """;

  /**
   * {@code step OUT [IN]} and {@code wait-for FILE} in {@code dir}. A step writes OUT with IN's lines
   * and one of its own, and notes each run in {@code step-runs} beside OUT, as it starts. A step
   * that runs again (its OUT noted before) waits first while {@code hold-reruns} exists there.
   */
  public static void programs(Path dir) throws IOException {
    JobPrograms.write(dir, "step", """
        #!/bin/sh
        set -eu
        out="$1" here="$(dirname "$1")"
        if grep -qx "$(basename "$out")" "$here/step-runs" 2>/dev/null; then
          while [ -e "$here/hold-reruns" ]; do sleep 0.1; done
        fi
        echo "$(basename "$out")" >> "$here/step-runs"
        { if [ $# -gt 1 ]; then cat "$2"; fi; echo "step $(basename "$out")"; } > "$out.partial"
        mv "$out.partial" "$out"
        """);
    JobPrograms.write(dir, "wait-for", "#!/bin/sh\nwhile [ ! -e \"$1\" ]; do sleep 0.1; done\n");
  }
}
