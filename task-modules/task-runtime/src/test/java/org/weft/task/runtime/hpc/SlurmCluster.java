package org.weft.task.runtime.hpc;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A real single-node SLURM cluster (Debian's {@code slurm-wlm} and {@code munge}) behind a real
 * OpenSSH server on a loopback port, for tests: one per JVM, stopped when the JVM ends. The
 * packages are installed with {@code .ci/install-hpc-packages} when missing. A cluster that cannot
 * start fails the test that asked for it: a green build means SLURM really ran.
 */
public final class SlurmCluster implements AutoCloseable {

  /**
   * The account jobs run as and Weft logs in as, as a gateway's community account: not root, with a
   * plain {@code sh} and no start-up files, so nothing of this machine's own accounts slows or
   * changes what runs there.
   */
  public static final String USER = "weft-hpc";

  private static SlurmCluster shared;

  private final Path dir;
  private final Path conf;
  private final int sshPort;
  private final List<Process> slurm = new ArrayList<>();
  private Process sshd;
  private Process controller;

  public static synchronized SlurmCluster shared() {
    if (shared == null) {
      try {
        shared = new SlurmCluster(Files.createTempDirectory("weft-slurm"));
      } catch (IOException e) {
        throw new IllegalStateException("cannot start the SLURM test cluster", e);
      }
      var cluster = shared;
      Runtime.getRuntime().addShutdownHook(new Thread(cluster::close));
    }
    return shared;
  }

  private SlurmCluster(Path dir) throws IOException {
    this.dir = dir;
    install();
    startMunge();
    ensureUser();
    Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.createDirectories(dir.resolve("state"));
    Files.createDirectories(dir.resolve("spool"));
    Files.createDirectories(dir.resolve("log"));
    Files.createDirectories(scratch());
    run("chown", USER + ":" + USER, scratch().toString());
    this.conf = dir.resolve("slurm.conf");
    var host = run("hostname", "-s").strip();
    long memory = Math.max(1024, Runtime.getRuntime().availableProcessors() > 0 ? totalMemoryMiB() - 1024 : 1024);
    Files.writeString(conf, """
        ClusterName=weft-test
        SlurmctldHost=%1$s
        SlurmUser=root
        SlurmctldPort=%2$d
        SlurmdPort=%3$d
        AuthType=auth/munge
        StateSaveLocation=%4$s/state
        SlurmdSpoolDir=%4$s/spool
        SlurmctldPidFile=%4$s/slurmctld.pid
        SlurmdPidFile=%4$s/slurmd.pid
        SlurmctldLogFile=%4$s/log/slurmctld.log
        SlurmdLogFile=%4$s/log/slurmd.log
        ProctrackType=proctrack/linuxproc
        TaskPlugin=task/none
        JobAcctGatherType=jobacct_gather/none
        AccountingStorageType=accounting_storage/none
        JobCompType=jobcomp/filetxt
        JobCompLoc=%4$s/log/jobcomp.txt
        SchedulerType=sched/backfill
        SelectType=select/cons_tres
        SelectTypeParameters=CR_Core_Memory
        MpiDefault=none
        ReturnToService=2
        MinJobAge=300
        KillWait=5
        NodeName=%1$s CPUs=%5$d RealMemory=%6$d State=UNKNOWN
        PartitionName=debug Nodes=%1$s Default=YES MaxTime=INFINITE State=UP
        """.formatted(host, freePort(), freePort(), dir, Runtime.getRuntime().availableProcessors(), memory));
    controller = start("slurmctld", List.of("/usr/sbin/slurmctld", "-D", "-f", conf.toString()));
    slurm.add(start("slurmd", List.of("/usr/sbin/slurmd", "-D", "-f", conf.toString())));
    awaitIdle();
    this.sshPort = freePort();
    var bin = Files.createDirectories(dir.resolve("bin"));
    // sbatch as the cluster has it, that can be told to hold its answer after submitting
    Files.writeString(bin.resolve("sbatch"), """
        #!/bin/sh
        out=$(/usr/bin/sbatch "$@") || exit $?
        if [ -f %1$s/slow-sbatch ]; then sleep "$(cat %1$s/slow-sbatch)"; fi
        printf '%%s\n' "$out"
        """.formatted(dir));
    Files.setPosixFilePermissions(bin.resolve("sbatch"), java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
    var ssh = Files.createDirectories(dir.resolve("ssh"));
    keygen(ssh.resolve("host_key"));
    keygen(ssh.resolve("client_key"));
    Files.copy(ssh.resolve("client_key.pub"), ssh.resolve("authorized_keys"));
    Files.writeString(ssh.resolve("sshd_config"), """
        Port %1$d
        ListenAddress 127.0.0.1
        HostKey %2$s/host_key
        PidFile %2$s/sshd.pid
        AuthorizedKeysFile %2$s/authorized_keys
        PasswordAuthentication no
        KbdInteractiveAuthentication no
        PermitRootLogin prohibit-password
        StrictModes no
        UsePAM no
        Subsystem sftp internal-sftp
        SetEnv SLURM_CONF=%3$s PATH=%4$s:/usr/local/bin:/usr/bin:/bin
        """.formatted(sshPort, ssh, conf, bin));
    writeKnownHosts(knownHosts());
    startSsh();
  }

  /** The resource's entries as Spring properties under {@code weft.resources.<name>}. */
  public Map<String, String> properties(String name, Path programDir) {
    var prefix = "weft.resources." + name + ".";
    var properties = new LinkedHashMap<String, String>();
    properties.put(prefix + "scheduler", "slurm");
    properties.put(prefix + "host", "127.0.0.1");
    properties.put(prefix + "port", String.valueOf(sshPort));
    properties.put(prefix + "user", USER);
    properties.put(prefix + "private-key", dir.resolve("ssh/client_key").toString());
    properties.put(prefix + "known-hosts", knownHosts().toString());
    properties.put(prefix + "scratch", scratch().toString());
    properties.put(prefix + "program-dirs", programDir.toAbsolutePath().normalize().toString());
    properties.put(prefix + "poll-interval", "1s");
    properties.put(prefix + "command-timeout", "30s");
    properties.put(prefix + "connect-timeout", "5s");
    return properties;
  }

  public ComputeResources.Resource resource(Path programDir, Path knownHosts) {
    return new ComputeResources.Resource(ComputeResources.Scheduler.SLURM, "127.0.0.1", sshPort,
        USER, dir.resolve("ssh/client_key").toString(), null, knownHosts.toString(), false,
        scratch().toString(), List.of(programDir.toAbsolutePath().normalize().toString()), null, null, null, 100,
        Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofSeconds(30),
        org.springframework.util.unit.DataSize.ofGigabytes(1));
  }

  /** The private key Weft logs in with. */
  public Path clientKey() {
    return dir.resolve("ssh/client_key");
  }

  public Path scratch() {
    return dir.resolve("scratch");
  }

  public Path knownHosts() {
    return dir.resolve("ssh/known_hosts");
  }

  public int sshPort() {
    return sshPort;
  }

  /** Writes a known-hosts file that lists this server's host key. */
  public void writeKnownHosts(Path file) throws IOException {
    var key = Files.readString(dir.resolve("ssh/host_key.pub")).strip().split(" ");
    Files.writeString(file, "[127.0.0.1]:%d %s %s%n".formatted(sshPort, key[0], key[1]));
  }

  /**
   * Makes {@code sbatch}, as Weft runs it over SSH, hold its answer this long after the job is
   * submitted (null: answer at once), to open the window between a submission and its result.
   */
  public void holdSubmissions(Duration hold) throws IOException {
    var toggle = dir.resolve("slow-sbatch");
    if (hold == null) {
      Files.deleteIfExists(toggle);
    } else {
      Files.writeString(toggle, String.valueOf(hold.toSeconds()));
    }
  }

  /** A SLURM command run here, as root, against this cluster; its standard output. */
  public String slurm(String... command) {
    return run(command);
  }

  /** Stops the SSH server and every connection it serves, as a host going down does. */
  public void stopSsh() {
    if (sshd != null) {
      sshd.descendants().forEach(ProcessHandle::destroy);
      sshd.destroy();
      try {
        sshd.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      sshd = null;
    }
  }

  public void startSsh() throws IOException {
    Files.createDirectories(Path.of("/run/sshd"));
    sshd = start("sshd", List.of("/usr/sbin/sshd", "-D", "-e", "-f", dir.resolve("ssh/sshd_config").toString()));
    await().atMost(Duration.ofSeconds(20)).until(() -> listening(sshPort));
  }

  /** Restarts slurmctld, which keeps its jobs in its state directory. */
  public void restartController() throws Exception {
    controller.destroy();
    controller.waitFor(20, TimeUnit.SECONDS);
    controller = start("slurmctld", List.of("/usr/sbin/slurmctld", "-D", "-f", conf.toString()));
    awaitIdleOrBusy();
  }

  @Override
  public void close() {
    stopSsh();
    for (var process : slurm) {
      process.destroy();
    }
    if (controller != null) {
      controller.destroy();
    }
  }

  private Process start(String name, List<String> command) throws IOException {
    var builder = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(dir.resolve("log").resolve(name + ".out").toFile());
    builder.environment().put("SLURM_CONF", conf == null ? "" : conf.toString());
    var process = builder.start();
    return process;
  }

  private void awaitIdle() {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> run("sinfo", "-h", "-o", "%T").strip().equals("idle"));
  }

  private void awaitIdleOrBusy() {
    await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(500)).ignoreExceptions()
        .until(() -> run("sinfo", "-h", "-o", "%T").strip().matches("idle|mixed|allocated"));
  }

  private static void install() throws IOException {
    var root = Path.of("").toAbsolutePath();
    while (root != null && !Files.isExecutable(root.resolve(".ci/install-hpc-packages"))) {
      root = root.getParent();
    }
    if (root == null) {
      throw new IllegalStateException("no .ci/install-hpc-packages above " + Path.of("").toAbsolutePath());
    }
    var process = new ProcessBuilder(root.resolve(".ci/install-hpc-packages").toString()).inheritIO().start();
    try {
      if (!process.waitFor(15, TimeUnit.MINUTES) || process.exitValue() != 0) {
        throw new IllegalStateException("installing slurm-wlm, munge and openssh-server failed");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void ensureUser() {
    try {
      run("id", USER);
    } catch (IllegalStateException absent) {
      run("useradd", "--create-home", "--shell", "/bin/sh", USER);
    }
    // no password, but not locked: sshd without PAM refuses a locked account even its key
    run("usermod", "-p", "*", USER);
  }

  private static void startMunge() throws IOException {
    if (munges()) {
      return;
    }
    var run = Files.createDirectories(Path.of("/run/munge"));
    new ProcessBuilder("chown", "munge:munge", run.toString()).inheritIO().start();
    try {
      new ProcessBuilder("/usr/sbin/munged", "--force").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    await().atMost(Duration.ofSeconds(20)).until(SlurmCluster::munges);
  }

  private static boolean munges() {
    try {
      var process = new ProcessBuilder("sh", "-c", "munge -n | unmunge").redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      return process.waitFor(10, TimeUnit.SECONDS) && process.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private void keygen(Path key) throws IOException {
    Files.deleteIfExists(key);
    Files.deleteIfExists(Path.of(key + ".pub"));
    run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString());
  }

  /** Replaces the server's host key (as a reinstalled or impostor host would show). */
  public void changeHostKey() throws IOException {
    stopSsh();
    keygen(dir.resolve("ssh/host_key"));
    startSsh();
  }

  private String run(String... command) {
    try {
      var builder = new ProcessBuilder(command).redirectErrorStream(true);
      if (conf != null) {
        builder.environment().put("SLURM_CONF", conf.toString());
      }
      var process = builder.start();
      var output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new IllegalStateException(String.join(" ", command) + " failed: " + output);
      }
      return output;
    } catch (IOException e) {
      throw new IllegalStateException(String.join(" ", command) + " failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static long totalMemoryMiB() throws IOException {
    for (var line : Files.readAllLines(Path.of("/proc/meminfo"))) {
      if (line.startsWith("MemTotal:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
      }
    }
    return 2048;
  }

  private static int freePort() throws IOException {
    try (var socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }

  private static boolean listening(int port) {
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
