package org.weft.orchestrator.training;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.WeftJar;

/** The launcher's training start, as the packaged service runs it: a real workload, then an exit. */
class TrainingStartScenarioIT {

  @TempDir
  Path workDir;

  @Test
  void runsItsWorkloadThroughTheShippedServicesAndExitsCleanly() {
    var args = new ArrayList<>(WeftJar.onFreePorts(workDir.resolve("data")));
    args.add("--weft.worker.workspace=" + workDir.resolve("workspace"));
    args.add("--weft.training.experiments=5");
    try (var training = JavaProcess.start("training", workDir, List.of("-Xmx512m"),
        WeftJar.args(args.toArray(String[]::new)))) {
      assertThat(training.waitForExit(Duration.ofMinutes(3))).as(training.tail()).isZero();
      assertThat(training.output()).contains("Training start: 10 experiments ran");
    }
  }
}
