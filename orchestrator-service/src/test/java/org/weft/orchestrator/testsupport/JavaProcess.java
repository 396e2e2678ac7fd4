package org.weft.orchestrator.testsupport;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A JVM that a test starts as a separate OS process (a server, or Weft itself as the README starts
 * it), with its output in a file the test can wait on. Closing it kills the process tree.
 */
public final class JavaProcess implements AutoCloseable {

  private final Process process;
  private final Path log;
  private final String name;

  private JavaProcess(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  /**
   * The JIT option of the processes the tests start: the client compiler only. They live a minute or
   * two, under light load, and the server compiler's work would take the cores the test JVM and the
   * other processes need (a {@code ./weft run} here gets up in 14 s on 17 s of CPU instead of 18 s on
   * 33 s). What speed users get is measured by the benchmarks, which leave the JIT alone.
   */
  public static final String QUICK_START = "-XX:TieredStopAtLevel=1";

  /** Starts {@code java <jvmArgs> <args>}; {@code args} begins with a main class or {@code -jar file}. */
  public static JavaProcess start(String name, Path workDir, List<String> jvmArgs, List<String> args) {
    var command = new ArrayList<String>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx512m");
    command.add(QUICK_START);
    command.addAll(jvmArgs);
    command.addAll(args);
    return command(name, workDir, command, Map.of());
  }

  /** Starts any command, such as the {@code weft} launcher, with extra environment variables. */
  public static JavaProcess command(String name, Path workDir, List<String> command, Map<String, String> environment) {
    try {
      Files.createDirectories(workDir);
      var log = workDir.resolve(name + ".log");
      var builder = new ProcessBuilder(command);
      builder.environment().putAll(environment);
      var process = builder
          .directory(workDir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
      return new JavaProcess(name, process, log);
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot start " + name + ": " + command, e);
    }
  }

  /** The test JVM's own classpath, for running a server main class from a Maven Central jar. */
  public static List<String> testClasspath() {
    return List.of("-cp", System.getProperty("java.class.path"));
  }

  public JavaProcess awaitOutput(String text, Duration timeout) {
    await(name + " to print '" + text + "'")
        .atMost(timeout)
        .pollInterval(Duration.ofMillis(200))
        .failFast(name + " exited early", () -> {
          if (!process.isAlive()) {
            throw new AssertionError(name + " exited with " + process.exitValue() + ":\n" + tail());
          }
        })
        .until(() -> output().contains(text));
    return this;
  }

  public String output() {
    try {
      return Files.exists(log) ? Files.readString(log, StandardCharsets.UTF_8) : "";
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public String tail() {
    var lines = output().lines().toList();
    return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
  }

  /** The operating system's id of the process (the JVM itself: the launcher script execs it). */
  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  public int waitForExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new AssertionError(name + " did not exit within " + timeout + ":\n" + tail());
      }
      return process.exitValue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("Interrupted waiting for " + name, e);
    }
  }

  /** SIGTERM, as an operator stopping the service would, and wait for it to exit. */
  public int stop(Duration timeout) {
    process.destroy();
    return waitForExit(timeout);
  }

  /** SIGKILL: the process gets no chance to clean up, as in a crash. */
  public void kill() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(30));
  }

  /**
   * SIGKILL to this process alone, as the kernel's OOM killer or a crash would: the processes it
   * started live on (a job-submission service's jobs must survive it).
   */
  public void killAlone() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(30));
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      kill();
    }
  }
}
