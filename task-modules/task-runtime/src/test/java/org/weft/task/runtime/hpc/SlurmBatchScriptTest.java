package org.weft.task.runtime.hpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.util.unit.DataSize;
import org.weft.task.runtime.TaskFailure;

class SlurmBatchScriptTest {

  private static final ComputeResources.Resource CLUSTER = new ComputeResources.Resource(ComputeResources.Scheduler.SLURM,
      "login.example.org", 22, "gateway", "/keys/id", null, null, false, "/scratch/weft", List.of("/opt/apps/bin"), "batch",
      "proj-42", "normal", 10, Duration.ofSeconds(10), Duration.ofSeconds(5), Duration.ofMinutes(1),
      Duration.ofSeconds(30), DataSize.ofGigabytes(1));

  private static SlurmJob job(List<String> argv, Map<String, String> env) {
    return new SlurmJob("d-1", "e-1:run", 1, argv, env, "/scratch/weft/e-1", "/scratch/weft/e-1/logs/run.stdout",
        "/scratch/weft/e-1/logs/run.stderr", 4, 512L << 20, Duration.ofMinutes(90));
  }

  @Test
  void directivesComeFromTheTaskAndTheResource() {
    var script = SlurmBatchScript.of(job(List.of("simulate", "--steps", "10"), Map.of()), CLUSTER);

    assertThat(script).startsWith("#!/bin/sh\n").contains(
        "#SBATCH --job-name=weft-d-1\n", "#SBATCH --comment=weft:e-1:run:1\n", "#SBATCH --chdir=/scratch/weft/e-1\n",
        "#SBATCH --output=/scratch/weft/e-1/logs/run.stdout\n", "#SBATCH --error=/scratch/weft/e-1/logs/run.stderr\n",
        "#SBATCH --export=NONE\n", "#SBATCH --cpus-per-task=4\n", "#SBATCH --mem=512M\n", "#SBATCH --time=0-01:30:00\n",
        "#SBATCH --partition=batch\n", "#SBATCH --account=proj-42\n", "#SBATCH --qos=normal\n");
    assertThat(script).contains("\"$weft_program\" '--steps' '10' < /dev/null");
    assertThat(script).contains("'/scratch/weft/.weft/jobs'/\"$SLURM_JOB_ID\"");
  }

  @Test
  void theEnvironmentIsExportedQuotedAndNamesAreChecked() {
    var script = SlurmBatchScript.of(job(List.of("simulate"), Map.of("OMP_NUM_THREADS", "1", "NOTE", "$(id) 'x'")),
        CLUSTER);

    assertThat(script).contains("export PATH='/usr/local/bin:/usr/bin:/bin'\n", "export OMP_NUM_THREADS='1'\n",
        "export NOTE='$(id) '\\''x'\\'''\n");
    assertThatThrownBy(() -> SlurmBatchScript.of(job(List.of("simulate"), Map.of("BAD NAME", "1")), CLUSTER))
        .isInstanceOf(TaskFailure.class).hasMessageContaining("invalid variable name");
  }

  @Test
  void aProgramMustComeFromTheProgramDirectories() {
    assertThat(SlurmBatchScript.of(job(List.of("/opt/apps/bin/simulate"), Map.of()), CLUSTER))
        .contains("weft_program='/opt/apps/bin/simulate'");
    for (var program : List.of("/bin/sh", "/opt/apps/bin/../../../bin/sh", "../sh", "a b", "/opt/apps/binx/sh")) {
      assertThatThrownBy(() -> SlurmBatchScript.of(job(List.of(program), Map.of()), CLUSTER))
          .as(program).isInstanceOf(TaskFailure.class);
    }
  }

  @Test
  void aMemberOfARepeatedTaskGoesIntoTheCommentWithItsIndex() {
    var member = new SlurmJob("d-1", "e-1:run[3]", 2, List.of("simulate"), Map.of(), "/scratch/weft/e-1",
        "/scratch/weft/e-1/logs/run.3.attempt-2.stdout", "/scratch/weft/e-1/logs/run.3.attempt-2.stderr", null, null, null);

    assertThat(SlurmBatchScript.of(member, CLUSTER)).contains("#SBATCH --comment=weft:e-1:run[3]:2\n");
    var hostile = new SlurmJob("d-1", "e-1:run[3]\n#SBATCH --uid=0", 1, List.of("simulate"), Map.of(), "/scratch/weft/e-1",
        "/scratch/o", "/scratch/e", null, null, null);
    assertThatThrownBy(() -> SlurmBatchScript.of(hostile, CLUSTER)).isInstanceOf(TaskFailure.class);
  }

  @Test
  void aNulInAnArgumentIsRefused() {
    assertThatThrownBy(() -> SlurmBatchScript.of(job(List.of("simulate", "a\0b"), Map.of()), CLUSTER))
        .isInstanceOfSatisfying(TaskFailure.class, failure -> assertThat(failure.retryable()).isFalse())
        .hasMessageContaining("NUL");
  }

  @Test
  void pathsThatADirectiveCouldMisreadAreRefused() {
    var job = new SlurmJob("d-1", "e-1:run", 1, List.of("simulate"), Map.of(), "/scratch/weft/e 1", "/scratch/o", "/scratch/e", null,
        null, null);

    assertThatThrownBy(() -> SlurmBatchScript.of(job, CLUSTER)).isInstanceOf(TaskFailure.class)
        .hasMessageContaining("remote path");
  }

  @Test
  void wallTimeIsWrittenAsDaysHoursMinutesSeconds() {
    assertThat(SlurmBatchScript.time(Duration.ofSeconds(59))).isEqualTo("0-00:00:59");
    assertThat(SlurmBatchScript.time(Duration.ofHours(49).plusMillis(1))).isEqualTo("2-01:00:01");
    assertThatThrownBy(() -> SlurmBatchScript.time(Duration.ZERO)).isInstanceOf(TaskFailure.class);
  }
}
