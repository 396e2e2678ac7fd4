package org.weft.orchestrator.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** A task microservice's own executable jar, started as a separate process as an operator deploys it. */
public final class TaskServiceJar {

  private TaskServiceJar() {}

  public static Path path(String service) {
    var modules = Paths.get(System.getProperty("weft.task-modules", "../task-modules"));
    var jar = modules.resolve(service).resolve("target")
        .resolve(service + "-" + System.getProperty("weft.version", "0.1.0-SNAPSHOT") + "-exec.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("No packaged service at " + jar.toAbsolutePath() + ": run through 'mvnw verify'");
    }
    return jar.toAbsolutePath().normalize();
  }

  /** {@code java -jar {service}-exec.jar <args>}. */
  public static JavaProcess launch(String service, String name, Path workDir, List<String> args) {
    var command = new ArrayList<String>(List.of("-jar", path(service).toString()));
    command.addAll(args);
    return JavaProcess.start(name, workDir, List.of("-Xmx256m"), command);
  }
}
