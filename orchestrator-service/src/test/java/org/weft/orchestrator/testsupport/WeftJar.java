package org.weft.orchestrator.testsupport;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;

/** The packaged orchestrator, started as a separate process the way the README starts it. */
public final class WeftJar {

  private WeftJar() {}

  public static Path path() {
    var jar = Paths.get(System.getProperty("weft.jar", "target/orchestrator-service.jar"));
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException("No packaged service at " + jar.toAbsolutePath() + ": run through 'mvnw verify'");
    }
    return jar.toAbsolutePath();
  }

  /** The README's run command, {@code ./weft run <args>}, starting the already-built jar. */
  public static JavaProcess launch(String name, Path workDir, List<String> args) {
    return launch("run", name, workDir, args);
  }

  /** {@code ./weft infrastructure <args>}: ZooKeeper, Kafka and Neo4j only, as one process. */
  public static JavaProcess launchInfrastructure(String name, Path workDir, List<String> args) {
    return launch("infrastructure", name, workDir, args);
  }

  /**
   * {@code ./weft infrastructure} with ZooKeeper, Kafka (and its controller), Bolt and Neo4j's HTTP
   * on {@code ports[0..4]} and data under {@code workDir/data}, once it is ready.
   */
  public static JavaProcess launchInfrastructureOn(int[] ports, Path workDir, java.time.Duration startup) {
    return launchInfrastructure("infrastructure", workDir, List.of(
            "--weft.embedded.data-dir=" + workDir.resolve("data"),
            "--weft.embedded.zookeeper.port=" + ports[0], "--weft.embedded.kafka.port=" + ports[1],
            "--weft.embedded.kafka.controller-port=" + ports[2], "--weft.embedded.neo4j.bolt-port=" + ports[3],
            "--weft.embedded.neo4j.http-port=" + ports[4], "--weft.embedded.neo4j.page-cache=64MB"))
        .awaitOutput(org.weft.embedded.InfrastructureMain.READY_LINE, startup);
  }

  private static JavaProcess launch(String what, String name, Path workDir, List<String> args) {
    var launcher = Paths.get(System.getProperty("weft.launcher", "../weft")).toAbsolutePath();
    var command = new ArrayList<String>(List.of("bash", launcher.toString(), what));
    command.addAll(args);
    // the first launch after a build runs the training start; without its workload (TrainingRunIT runs
    // that) it stays within the tests' start-up timeouts. The JIT option through JAVA_TOOL_OPTIONS, so
    // that the training start, which JAVA_OPTS does not reach, starts as quickly
    return JavaProcess.command(name, workDir, command,
        java.util.Map.of("WEFT_SKIP_BUILD", "1", "JAVA_OPTS", "-Xmx768m", "JAVA_TOOL_OPTIONS", JavaProcess.QUICK_START,
            "WEFT_TRAINING_EXPERIMENTS", "0", "JAVA_HOME", System.getProperty("java.home")));
  }

  /** {@code -jar orchestrator-service.jar <args>}. */
  public static List<String> args(String... args) {
    var command = new ArrayList<String>(List.of("-jar", path().toString()));
    command.addAll(List.of(args));
    return command;
  }

  /** Arguments that put every server and the API on free ports, with data under {@code dataDir}. */
  public static List<String> onFreePorts(Path dataDir) {
    int[] ports = FreePorts.take(6);
    return List.of(
        "--server.port=" + ports[0],
        "--weft.embedded.data-dir=" + dataDir,
        "--weft.embedded.zookeeper.port=" + ports[1],
        "--weft.embedded.kafka.port=" + ports[2],
        "--weft.embedded.kafka.controller-port=" + ports[3],
        "--weft.embedded.neo4j.bolt-port=" + ports[4],
        "--weft.embedded.neo4j.http-port=" + ports[5],
        "--weft.embedded.neo4j.page-cache=64MB");
  }

  /** The value of {@code --name=value} in {@code args}. */
  public static String arg(List<String> args, String name) {
    var prefix = "--" + name + "=";
    return args.stream().filter(a -> a.startsWith(prefix)).map(a -> a.substring(prefix.length()))
        .findFirst().orElseThrow(() -> new IllegalArgumentException("No " + name + " in " + args));
  }
}
