package org.weft.orchestrator;

import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.weft.orchestrator.embedded.InfrastructureMain;

/** The Weft orchestrator; {@code infrastructure} as first argument runs only the embedded servers. */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WeftOrchestratorApplication {

  public static void main(String[] args) throws InterruptedException {
    if (args.length > 0 && args[0].equals("infrastructure")) {
      InfrastructureMain.main(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    SpringApplication.run(WeftOrchestratorApplication.class, args);
  }
}
