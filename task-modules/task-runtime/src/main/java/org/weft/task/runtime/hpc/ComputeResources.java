package org.weft.task.runtime.hpc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The compute resources tasks run on, by name ({@code weft.resources.<name>}). {@code local}, this
 * machine, always exists and is what a task without a {@code resource} uses; every other entry is a
 * batch cluster reached over SSH. The orchestrator and every task microservice read the same
 * entries: the orchestrator to refuse an unknown resource at submission, the services to reach it.
 *
 * @param resources the clusters, by name (default: none)
 */
@ConfigurationProperties("weft")
public record ComputeResources(@DefaultValue Map<String, Resource> resources) {

  public static final String LOCAL = "local";
  private static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]{0,62}");
  /** Remote paths go into batch directives and shell commands: plain characters only. */
  static final Pattern REMOTE_PATH = Pattern.compile("/[A-Za-z0-9._/-]*");
  private static final Pattern DIRECTIVE_VALUE = Pattern.compile("[A-Za-z0-9._,-]{1,64}");

  public ComputeResources {
    resources = Map.copyOf(resources);
    for (var entry : resources.entrySet()) {
      var name = entry.getKey();
      if (!NAME.matcher(name).matches() || LOCAL.equals(name)) {
        throw new IllegalArgumentException("weft.resources." + name
            + ": a resource name is lower-case letters, digits and dashes, and 'local' is this machine");
      }
      entry.getValue().check("weft.resources." + name);
    }
  }

  /** The resource of that name; {@code local} (or no name) gives the local resource. */
  public Optional<Resource> find(String name) {
    if (name == null || name.isEmpty() || LOCAL.equals(name)) {
      return Optional.of(Resource.LOCAL_MACHINE);
    }
    return Optional.ofNullable(resources.get(name));
  }

  /** {@code local} first, then the configured ones by name. */
  public Map<String, Resource> all() {
    var all = new LinkedHashMap<String, Resource>();
    all.put(LOCAL, Resource.LOCAL_MACHINE);
    resources.keySet().stream().sorted().forEach(name -> all.put(name, resources.get(name)));
    return all;
  }

  public enum Scheduler {
    /** processes of the machine of the job-submission service */
    LOCAL,
    /** SLURM, driven with {@code sbatch}, {@code squeue} and {@code scancel} over SSH */
    SLURM
  }

  /**
   * One compute resource.
   *
   * @param scheduler        {@code slurm} (default) or {@code local}
   * @param host             the login node's host name
   * @param port             its SSH port (default {@code 22})
   * @param user             the account Weft logs in as
   * @param privateKey       the private key file (OpenSSH or PEM; RSA, ECDSA or Ed25519) that logs in
   * @param agentSocket      the Unix socket of an SSH agent holding the key instead (for instance
   *                         {@code ${SSH_AUTH_SOCK}}); with both, the agent's keys are tried first
   * @param knownHosts       the known-hosts file the host's key is checked against (default
   *                         {@code ~/.ssh/known_hosts}); an unknown or changed key is refused
   * @param trustUnknownHost accept a host key the known-hosts file does not list, and add it there
   *                         (default {@code false}); a changed key is refused all the same
   * @param scratch          the remote directory under which each experiment gets its own
   *                         ({@code <scratch>/<experimentId>}) and Weft keeps its job records
   *                         ({@code <scratch>/.weft})
   * @param programDirs      the remote directories the programs of command templates are taken from;
   *                         a program elsewhere is refused (default: none, so every job is refused)
   * @param partition        the default partition ({@code --partition}), or none
   * @param account          the default account ({@code --account}), or none
   * @param qos              the default quality of service ({@code --qos}), or none
   * @param maxJobs          jobs of this resource queued or running at once; a submission beyond it
   *                         waits for a later attempt (default {@code 100})
   * @param pollInterval     how often monitoring asks the scheduler about all the jobs it follows, in
   *                         one query (default {@code 10s})
   * @param connectTimeout   to open and authenticate an SSH session (default {@code 15s})
   * @param commandTimeout   the longest any remote command or transfer may take (default {@code 2m})
   * @param keepAlive        how often an idle session is kept alive (default {@code 30s})
   * @param maxTransferSize  the largest file staged in or out (default {@code 10GB})
   */
  public record Resource(
      @DefaultValue("slurm") Scheduler scheduler,
      String host,
      @DefaultValue("22") int port,
      String user,
      String privateKey,
      String agentSocket,
      String knownHosts,
      @DefaultValue("false") boolean trustUnknownHost,
      String scratch,
      @DefaultValue List<String> programDirs,
      String partition,
      String account,
      String qos,
      @DefaultValue("100") int maxJobs,
      @DefaultValue("10s") Duration pollInterval,
      @DefaultValue("15s") Duration connectTimeout,
      @DefaultValue("2m") Duration commandTimeout,
      @DefaultValue("30s") Duration keepAlive,
      @DefaultValue("10GB") DataSize maxTransferSize) {

    static final Resource LOCAL_MACHINE = new Resource(Scheduler.LOCAL, null, 22, null, null, null, null, false, null,
        List.of(), null, null, null, Integer.MAX_VALUE, Duration.ofSeconds(1), Duration.ofSeconds(15),
        Duration.ofMinutes(2), Duration.ofSeconds(30), DataSize.ofGigabytes(10));

    public Resource {
      programDirs = List.copyOf(programDirs);
    }

    void check(String prefix) {
      if (scheduler == Scheduler.LOCAL) {
        throw new IllegalArgumentException(prefix + ": the local scheduler is the built-in 'local' resource");
      }
      require(host != null && !host.isBlank(), prefix + ".host is required");
      require(user != null && !user.isBlank(), prefix + ".user is required");
      require(privateKey != null && !privateKey.isBlank() || agentSocket != null && !agentSocket.isBlank(),
          prefix + ".private-key or " + prefix + ".agent-socket is required");
      require(port > 0 && port < 65536, prefix + ".port must be a TCP port");
      require(scratch != null && REMOTE_PATH.matcher(scratch).matches() && !scratch.contains(".."),
          prefix + ".scratch must be an absolute path of letters, digits, '.', '_', '-' and '/'");
      for (var dir : programDirs) {
        require(REMOTE_PATH.matcher(dir).matches() && !dir.contains(".."), prefix + ".program-dirs: '" + dir
            + "' must be an absolute path of letters, digits, '.', '_', '-' and '/'");
      }
      for (var value : new String[] {partition, account, qos}) {
        require(value == null || DIRECTIVE_VALUE.matcher(value).matches(),
            prefix + ": partition, account and qos are names of letters, digits, '.', '_', ',' and '-'");
      }
      require(maxJobs >= 1, prefix + ".max-jobs must be at least 1");
      require(!pollInterval.isNegative() && !pollInterval.isZero(), prefix + ".poll-interval must be positive");
    }

    public boolean local() {
      return scheduler == Scheduler.LOCAL;
    }

    public Path knownHostsFile() {
      return knownHosts != null ? Path.of(knownHosts) : Path.of(System.getProperty("user.home"), ".ssh", "known_hosts");
    }

    /** Where an experiment's files live on the resource. */
    public String experimentDir(String experimentId) {
      return scratch + "/" + experimentId;
    }

    /**
     * A remote path given by a template or an upstream task, checked to lie inside the resource's
     * scratch directory.
     *
     * @throws org.weft.task.runtime.TaskFailure (not retryable) when it does not
     */
    public String within(String path, String field) {
      if (path == null || !REMOTE_PATH.matcher(path).matches() || !(path + "/").startsWith(scratch + "/")
          || (path + "/").contains("/../") || (path + "/").contains("/./")) {
        throw org.weft.task.runtime.TaskFailure.permanent("%s '%s' is not a path inside the resource's scratch directory %s"
            .formatted(field, path, scratch));
      }
      return path;
    }

    /** Where Weft keeps its own records on the resource. */
    public String weftDir() {
      return scratch + "/.weft";
    }

    private static void require(boolean condition, String message) {
      if (!condition) {
        throw new IllegalArgumentException(message);
      }
    }
  }
}
