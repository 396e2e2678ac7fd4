package org.weft.task.runtime.hpc;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PublicKey;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.channel.ClientChannelEvent;
import org.apache.sshd.client.config.hosts.KnownHostEntry;
import org.apache.sshd.client.keyverifier.KnownHostsServerKeyVerifier;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshException;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.keyprovider.FileKeyPairProvider;
import org.apache.sshd.core.CoreModuleProperties;
import org.apache.sshd.sftp.client.SftpClient;
import org.apache.sshd.sftp.client.SftpClientFactory;
import org.apache.sshd.sftp.common.SftpException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.weft.task.runtime.TaskFailure;

/**
 * One compute resource's login node over SSH (Apache MINA SSHD): a single authenticated session,
 * kept alive and reopened when it drops, on which every command and SFTP transfer opens its own
 * channel. The host key is checked against the known-hosts file; an unknown key is refused unless
 * the resource trusts unknown hosts, a changed key always. Neither keys nor passwords are logged.
 */
public final class RemoteHost implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RemoteHost.class);
  /**
   * Channels open at once on the session: OpenSSH refuses more than {@code MaxSessions} (10 by
   * default) per connection, counting a channel until both ends have closed it, so more callers
   * wait their turn here instead of being refused there.
   */
  static final int CHANNELS = 6;
  /** A channel the server refused while the session stands is asked for again, this many times. */
  private static final int OPEN_TRIES = 4;

  /** What a remote command printed and how it exited. */
  public record Exec(int exitCode, String stdout, String stderr) {

    public boolean ok() {
      return exitCode == 0;
    }
  }

  /** Work on one SFTP channel. */
  public interface SftpWork<T> {
    T apply(SftpClient sftp) throws IOException;
  }

  private final String name;
  private final ComputeResources.Resource resource;
  private final SshClient client;
  /** Why the last key exchange refused the host, if it did. */
  private final AtomicReference<String> hostKeyProblem = new AtomicReference<>();
  private final AtomicLong sessionsOpened = new AtomicLong();
  private final AtomicLong commandsRun = new AtomicLong();
  private final java.util.concurrent.Semaphore channels = new java.util.concurrent.Semaphore(CHANNELS, true);
  private ClientSession session;

  RemoteHost(String name, ComputeResources.Resource resource) {
    this.name = name;
    this.resource = resource;
    this.client = SshClient.setUpDefaultClient();
    var knownHosts = resource.knownHostsFile();
    client.setServerKeyVerifier(new KnownHostsServerKeyVerifier((session, address, key) -> {
      if (!resource.trustUnknownHost()) {
        hostKeyProblem.set("host key %s %s of %s is not in %s".formatted(KeyUtils.getKeyType(key),
            KeyUtils.getFingerPrint(key), address, knownHosts));
      }
      return resource.trustUnknownHost();
    }, knownHosts) {
      @Override
      public boolean acceptModifiedServerKey(ClientSession session, SocketAddress address, KnownHostEntry entry,
          PublicKey expected, PublicKey actual) {
        hostKeyProblem.set("the host key of %s changed: %s lists %s, the host presented %s %s".formatted(address,
            knownHosts, KeyUtils.getFingerPrint(expected), KeyUtils.getKeyType(actual), KeyUtils.getFingerPrint(actual)));
        return false;
      }
    });
    if (resource.privateKey() != null) {
      client.setKeyIdentityProvider(new FileKeyPairProvider(Path.of(resource.privateKey())));
    }
    if (resource.agentSocket() != null) {
      client.setAgentFactory(AgentSocket.factory(Path.of(resource.agentSocket())));
    }
    CoreModuleProperties.HEARTBEAT_INTERVAL.set(client, resource.keepAlive());
    // keep-alives that want a reply: three unanswered close a session whose host went silent, so
    // transfers and commands on it fail (retryably) instead of waiting on a dead connection
    CoreModuleProperties.HEARTBEAT_NO_REPLY_MAX.set(client, 3);
    client.start();
  }

  public String name() {
    return name;
  }

  public ComputeResources.Resource resource() {
    return resource;
  }

  /** SSH sessions opened so far: one, plus one for every reconnection. */
  public long sessionsOpened() {
    return sessionsOpened.get();
  }

  public long commandsRun() {
    return commandsRun.get();
  }

  /**
   * Runs a command through the login shell of the resource's user.
   *
   * @param stdin what the command reads on its standard input, or null for nothing
   * @throws TaskFailure retryable when the host cannot be reached or the command runs out of time,
   *                     not retryable when the host or the credentials are refused
   */
  public Exec run(String command, String stdin) {
    acquire();
    try {
      return runOnChannel(command, stdin);
    } finally {
      channels.release();
    }
  }

  private Exec runOnChannel(String command, String stdin) {
    for (int attempt = 1; ; attempt++) {
      var current = session();
      commandsRun.incrementAndGet();
      var out = new ByteArrayOutputStream();
      var err = new ByteArrayOutputStream();
      ChannelExec opened;
      try {
        opened = current.createExecChannel(command);
      } catch (IOException | IllegalStateException e) {
        notOpened(current, attempt, "opening a channel", e);
        continue;
      }
      try (var channel = opened) {
        channel.setIn(new ByteArrayInputStream(stdin == null ? new byte[0] : stdin.getBytes(StandardCharsets.UTF_8)));
        channel.setOut(out);
        channel.setErr(err);
        try {
          channel.open().verify(resource.connectTimeout());
        } catch (IOException e) {
          // the command never started: a session that died since its last use is reopened, a
          // channel refused on a standing session (the server still counts closing ones) asked again
          notOpened(current, attempt, "opening a channel", e);
          continue;
        }
        var events = channel.waitFor(EnumSet.of(ClientChannelEvent.CLOSED), resource.commandTimeout());
        if (!events.contains(ClientChannelEvent.CLOSED)) {
          throw RemoteFailure.unreachable(name, "a command ran past " + resource.commandTimeout(), null);
        }
        var status = channel.getExitStatus();
        if (status == null) {
          dropIfClosed(current);
          throw RemoteFailure.unreachable(name, "the connection dropped during a command", null);
        }
        return new Exec(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
      } catch (IOException e) {
        dropIfClosed(current);
        throw RemoteFailure.unreachable(name, "running a command", e);
      }
    }
  }

  /** Runs a command that must succeed; its standard output. */
  public String runOk(String command, String stdin, String what) {
    var exec = run(command, stdin);
    if (!exec.ok()) {
      throw TaskFailure.permanent("resource '%s': %s failed with exit code %d: %s".formatted(name, what, exec.exitCode(),
          exec.stderr().strip()));
    }
    return exec.stdout();
  }

  /**
   * Works on one SFTP channel. A missing or unreadable remote file is a permanent failure; a
   * dropped connection a retryable one.
   */
  public <T> T sftp(String what, SftpWork<T> work) {
    acquire();
    try {
      for (int attempt = 1; ; attempt++) {
        var current = session();
        SftpClient sftp;
        try {
          sftp = SftpClientFactory.instance().createSftpClient(current);
        } catch (IOException | IllegalStateException e) {
          notOpened(current, attempt, what, e);
          continue;
        }
        try (sftp) {
          return work.apply(sftp);
        } catch (SftpException e) {
          throw TaskFailure.permanent("resource '%s': %s: %s".formatted(name, what, e.getMessage()));
        } catch (IOException e) {
          dropIfClosed(current);
          throw RemoteFailure.unreachable(name, what, e);
        }
      }
    } finally {
      channels.release();
    }
  }

  private static void pause(int attempt) {
    try {
      Thread.sleep(100L * attempt);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TaskFailure("interrupted", true);
    }
  }

  private void acquire() {
    try {
      if (!channels.tryAcquire(resource.commandTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw RemoteFailure.unreachable(name, "every channel stayed busy for " + resource.commandTimeout(), null);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw RemoteFailure.unreachable(name, "interrupted while waiting for a channel", e);
    }
  }

  /** Whether the host answers and accepts Weft now; the reason when not. */
  public String problem() {
    try {
      session();
      return null;
    } catch (TaskFailure e) {
      return e.getMessage();
    }
  }

  private synchronized ClientSession session() {
    if (session != null && session.isOpen() && !session.isClosing()) {
      return session;
    }
    if (session != null) {
      session.close(true);
      session = null;
    }
    if (resource.privateKey() != null && !Files.isReadable(Path.of(resource.privateKey()))) {
      throw RemoteFailure.refused(name, "the private key file " + resource.privateKey() + " cannot be read");
    }
    if (resource.agentSocket() != null && !Files.exists(Path.of(resource.agentSocket()))) {
      throw RemoteFailure.refused(name, "there is no SSH agent at " + resource.agentSocket());
    }
    hostKeyProblem.set(null);
    ClientSession opened;
    try {
      opened = client.connect(resource.user(), resource.host(), resource.port())
          .verify(resource.connectTimeout()).getSession();
    } catch (IOException e) {
      throw RemoteFailure.unreachable(name, "connecting to %s:%d".formatted(resource.host(), resource.port()), e);
    }
    try {
      opened.auth().verify(resource.connectTimeout());
    } catch (IOException e) {
      opened.close(true);
      var problem = hostKeyProblem.get();
      if (problem != null) {
        throw RemoteFailure.refused(name, problem);
      }
      if (e instanceof SshException && String.valueOf(e.getMessage()).toLowerCase().contains("authentication")) {
        throw RemoteFailure.refused(name, "authentication as '%s' with %s was refused".formatted(resource.user(),
            resource.privateKey() != null ? resource.privateKey() : "the keys of the agent at " + resource.agentSocket()));
      }
      throw RemoteFailure.unreachable(name, "authenticating", e);
    }
    sessionsOpened.incrementAndGet();
    log.debug("SSH session to resource {} opened", name);
    session = opened;
    return opened;
  }

  /**
   * A channel could not be opened on {@code used}: returns when it is worth another try (after a
   * pause, on a new session if that one closed), throws a retryable failure past the tries. A
   * session that began closing since it was looked at (the server went away) refuses new channels
   * with an {@link IllegalStateException}: a dropped connection like any other. On a session still
   * open, that exception is a fault of this code and is rethrown.
   */
  private void notOpened(ClientSession used, int attempt, String what, Exception e) {
    if (e instanceof IllegalStateException state && used.isOpen() && !used.isClosing()) {
      throw state;
    }
    dropIfClosed(used);
    if (attempt >= OPEN_TRIES) {
      throw RemoteFailure.unreachable(name, what, e);
    }
    pause(attempt);
  }

  /**
   * Forgets a session that has closed, so the next call opens a new one; one that is still open
   * carries other callers' channels and stays.
   */
  private synchronized void dropIfClosed(ClientSession used) {
    if (used.isOpen() && !used.isClosing()) {
      return;
    }
    if (session == used) {
      session = null;
    }
    used.close(true);
  }

  @Override
  public synchronized void close() {
    if (session != null) {
      session.close(true);
      session = null;
    }
    client.stop();
  }
}
