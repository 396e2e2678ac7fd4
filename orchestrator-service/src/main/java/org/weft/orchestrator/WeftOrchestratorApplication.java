package org.weft.orchestrator;

import java.lang.reflect.InvocationTargetException;
import java.util.Arrays;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * The Weft orchestrator; {@code infrastructure} as first argument runs only the embedded servers,
 * where this build has them.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
public class WeftOrchestratorApplication {

  /** The embedded servers' own entry point, in the infrastructure-embedded module. */
  static final String INFRASTRUCTURE_MAIN = "org.weft.embedded.InfrastructureMain";

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("infrastructure")) {
      runInfrastructure(Arrays.copyOfRange(args, 1, args.length));
      return;
    }
    SpringApplication.run(WeftOrchestratorApplication.class, args);
  }

  /**
   * Looked up by name: the orchestrator does not depend on the module at compile time, so that a
   * build without it (an orchestrator for external servers) compiles and runs.
   */
  private static void runInfrastructure(String[] args) throws Exception {
    Class<?> main;
    try {
      main = Class.forName(INFRASTRUCTURE_MAIN);
    } catch (ClassNotFoundException e) {
      System.err.println("This build of Weft has no embedded infrastructure (built with -Dweft.server-only): "
          + "run ZooKeeper, Kafka and Neo4j as servers of their own");
      System.exit(2);
      return;
    }
    try {
      main.getMethod("main", String[].class).invoke(null, (Object) args);
    } catch (InvocationTargetException e) {
      if (e.getCause() instanceof Exception cause) {
        throw cause;
      }
      throw e;
    }
  }
}
