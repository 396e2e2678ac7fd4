package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.WeftJar;

/** The packaged service, without a token issuer, asked to listen beyond this machine. */
class LocalModeScenarioIT {

  @Test
  void withoutAnIssuerTheServiceRefusesToListenOnEveryInterfaceAndSaysWhatToSet(@TempDir Path dir) {
    var args = new java.util.ArrayList<>(WeftJar.onFreePorts(dir.resolve("data")));
    args.add("--server.address=0.0.0.0");
    try (var weft = JavaProcess.start("weft-everywhere", dir, List.of(), WeftJar.args(args.toArray(String[]::new)))) {
      int exit = weft.waitForExit(Duration.ofSeconds(90));

      assertThat(exit).isNotZero();
      assertThat(weft.output()).contains("APPLICATION FAILED TO START")
          .contains("server.address is '0.0.0.0', not a loopback address")
          .contains("weft.access.allow-unauthenticated-remote=true")
          // refused before the embedded servers started
          .doesNotContain("Embedded Kafka");
    }
  }

  @Test
  void theOptOutStartsItWithAWarning(@TempDir Path dir) {
    var args = new java.util.ArrayList<>(WeftJar.onFreePorts(dir.resolve("data")));
    args.add("--server.address=0.0.0.0");
    args.add("--weft.access.allow-unauthenticated-remote=true");
    args.add("--weft.worker.enabled=false");
    try (var weft = JavaProcess.start("weft-opted-out", dir, List.of(), WeftJar.args(args.toArray(String[]::new)))) {
      weft.awaitOutput("anyone who reaches the service acts as an operator", Duration.ofSeconds(120));
      assertThat(weft.output()).contains("WARN");
    }
  }
}
