package org.weft.task.runtime.hpc;

import java.io.EOFException;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.util.List;
import org.apache.sshd.agent.SshAgent;
import org.apache.sshd.agent.SshAgentFactory;
import org.apache.sshd.agent.SshAgentServer;
import org.apache.sshd.agent.common.AbstractAgentProxy;
import org.apache.sshd.common.FactoryManager;
import org.apache.sshd.common.channel.ChannelFactory;
import org.apache.sshd.common.session.ConnectionService;
import org.apache.sshd.common.session.Session;
import org.apache.sshd.common.util.buffer.Buffer;
import org.apache.sshd.common.util.buffer.ByteArrayBuffer;
import org.apache.sshd.common.util.threads.ThreadUtils;

/**
 * An SSH agent (OpenSSH's {@code ssh-agent}) on a Unix socket, as the source of the keys a resource
 * logs in with. MINA SSHD speaks the agent protocol ({@link AbstractAgentProxy}); its own transport
 * for Unix sockets needs the native Apache Portable Runtime, so this one carries the frames over the
 * JDK's Unix-domain {@link SocketChannel} instead. Keys stay in the agent: Weft only asks it to sign.
 */
final class AgentSocket extends AbstractAgentProxy {

  /** No agent answers with more than this; a larger length means the stream is not an agent's. */
  private static final int MAX_ANSWER = 256 * 1024;

  private final SocketChannel channel;

  private AgentSocket(Path socket) throws IOException {
    super(ThreadUtils.newSingleThreadExecutor("weft-ssh-agent"));
    this.channel = SocketChannel.open(StandardProtocolFamily.UNIX);
    channel.connect(UnixDomainSocketAddress.of(socket));
  }

  /** Agents for the sessions of one resource, one connection to the socket each time one is asked for. */
  static SshAgentFactory factory(Path socket) {
    return new SshAgentFactory() {
      @Override
      public List<ChannelFactory> getChannelForwardingFactories(FactoryManager manager) {
        return List.of();
      }

      @Override
      public SshAgent createClient(Session session, FactoryManager manager) throws IOException {
        return new AgentSocket(socket);
      }

      @Override
      public SshAgentServer createServer(ConnectionService service) {
        throw new UnsupportedOperationException("Weft forwards no agent");
      }
    };
  }

  @Override
  protected synchronized Buffer request(Buffer buffer) throws IOException {
    // the protocol layer has framed the request: a four-byte length, then the message
    var out = ByteBuffer.wrap(buffer.array(), buffer.rpos(), buffer.available());
    while (out.hasRemaining()) {
      channel.write(out);
    }
    var length = ByteBuffer.allocate(4);
    readFully(length);
    int size = length.flip().getInt();
    if (size < 1 || size > MAX_ANSWER) {
      throw new IOException("the SSH agent answered with a length of " + size);
    }
    var answer = ByteBuffer.allocate(size);
    readFully(answer);
    return new ByteArrayBuffer(answer.array());
  }

  private void readFully(ByteBuffer target) throws IOException {
    while (target.hasRemaining()) {
      if (channel.read(target) < 0) {
        throw new EOFException("the SSH agent closed its socket");
      }
    }
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    try {
      super.close();
    } finally {
      channel.close();
    }
  }
}
