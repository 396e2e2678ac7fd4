package org.weft.task.inputstaging;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.util.unit.DataSize;
import org.weft.task.api.TaskDispatch;
import org.weft.task.runtime.TaskContext;
import org.weft.task.runtime.TaskFailure;
import org.weft.task.runtime.WorkerProperties;
import org.weft.task.runtime.files.Checksums;

/** Input staging over real HTTP (a server on loopback) and from real files. */
class InputStagingHandlerTest {

  @TempDir
  Path workspace;

  private HttpServer server;
  private InputStagingHandler handler;

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/data.txt", exchange -> {
      var body = "0.5 1.5 2.5\n".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.createContext("/big.bin", exchange -> {
      exchange.sendResponseHeaders(200, 0); // chunked: no length to refuse up front
      var chunk = new byte[512];
      for (int i = 0; i < 8; i++) {
        exchange.getResponseBody().write(chunk);
      }
      exchange.close();
    });
    server.createContext("/busy", exchange -> {
      exchange.sendResponseHeaders(503, -1);
      exchange.close();
    });
    server.createContext("/moved", exchange -> {
      exchange.getResponseHeaders().add("Location", "/data.txt");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.createContext("/to-metadata", exchange -> {
      exchange.getResponseHeaders().add("Location", "http://169.254.169.254/latest/meta-data/");
      exchange.sendResponseHeaders(302, -1);
      exchange.close();
    });
    server.start();
    // the tests' server is on loopback, which inputs reach only when an operator allows it
    handler = handler(List.of("127.0.0.1/32"));
  }

  private InputStagingHandler handler(List<String> allowedHosts) {
    var properties = new WorkerProperties(true, "test", List.of(), 1, Duration.ofSeconds(5), Duration.ofSeconds(5), 10,
        workspace.toString(), workspace.resolve("state").toString(), new WorkerProperties.Staging(List.of(), DataSize.ofBytes(1024), Duration.ofSeconds(2),
        Duration.ofSeconds(5), null, allowedHosts), new WorkerProperties.Jobs(List.of(), Duration.ofSeconds(1), DataSize.ofKilobytes(2)));
    return new InputStagingHandler(properties, new org.weft.task.runtime.hpc.RemoteHosts(
        new org.weft.task.runtime.hpc.ComputeResources(Map.of()), new io.micrometer.core.instrument.simple.SimpleMeterRegistry()));
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  private TaskContext context(Object source) {
    return new TaskContext(new TaskDispatch("d", "e", "e:stage-in", "stage-in", "input-staging", 1,
        Map.of("params", Map.of("source", source, "destination", workspace.resolve("in").toString())),
        Instant.now().plusSeconds(60)), "test");
  }

  private String url(String path) {
    return "http://127.0.0.1:" + server.getAddress().getPort() + path;
  }

  @Test
  @SuppressWarnings("unchecked")
  void downloadsToTheDestinationWithItsChecksum() throws Exception {
    var outputs = handler.run(context(url("/data.txt")));
    var path = Path.of((String) outputs.get("path"));
    assertThat(path).isEqualTo(workspace.resolve("in/data.txt")).hasContent("0.5 1.5 2.5");
    assertThat((Map<String, Object>) outputs.get("checksums")).containsEntry("data.txt", Checksums.sha256(path));
  }

  @Test
  void refusesADownloadOverTheLimitAndLeavesNothingBehind() {
    assertThatThrownBy(() -> handler.run(context(url("/big.bin"))))
        .isInstanceOf(TaskFailure.class).hasMessageContaining("over the limit of 1024 bytes")
        .satisfies(e -> assertThat(((TaskFailure) e).retryable()).isFalse());
    assertThat(workspace.resolve("in")).isEmptyDirectory();
  }

  @Test
  void loopbackPrivateAndLinkLocalInputsAreRefusedBeforeAnyConnection() {
    var strict = handler(List.of());
    for (var input : List.of(url("/data.txt"), "http://localhost:1/x", "http://[::1]:1/x",
        "http://169.254.169.254/latest/meta-data/", "http://10.0.0.1/x", "http://192.168.1.1/x", "http://0.0.0.0:1/x")) {
      assertThatThrownBy(() -> strict.run(context(input))).as(input)
          .isInstanceOf(TaskFailure.class).hasMessageContaining("refused")
          .hasMessageContaining("weft.worker.staging.allowed-hosts")
          .satisfies(e -> assertThat(((TaskFailure) e).retryable()).isFalse());
    }
    assertThat(workspace.resolve("in").toFile().list()).isNullOrEmpty();
  }

  @Test
  @SuppressWarnings("unchecked")
  void aRedirectIsFollowedWhereItsTargetIsAllowedAndRefusedWhereNot() throws Exception {
    var outputs = handler.run(context(url("/moved")));
    assertThat(Path.of((String) outputs.get("path"))).hasContent("0.5 1.5 2.5");

    assertThatThrownBy(() -> handler.run(context(url("/to-metadata"))))
        .isInstanceOf(TaskFailure.class).hasMessageContaining("169.254.169.254").hasMessageContaining("link-local")
        .satisfies(e -> assertThat(((TaskFailure) e).retryable()).isFalse());
  }

  @Test
  void anAllowListEntryThatIsNeitherAHostNorACidrBlockIsRefusedAtStart() {
    assertThatThrownBy(() -> handler(List.of("10.0.0.0/40"))).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("10.0.0.0/40");
    assertThatThrownBy(() -> handler(List.of("data.example.org/16"))).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aMissingFileIsPermanentAndABusyServerRetryable() {
    assertThatThrownBy(() -> handler.run(context(url("/nothing"))))
        .hasMessageContaining("answered HTTP 404").satisfies(e -> assertThat(((TaskFailure) e).retryable()).isFalse());
    assertThatThrownBy(() -> handler.run(context(url("/busy"))))
        .hasMessageContaining("answered HTTP 503").satisfies(e -> assertThat(((TaskFailure) e).retryable()).isTrue());
  }

  @Test
  void anUnreachableServerIsRetryable() throws Exception {
    int closed;
    try (var socket = new ServerSocket(0)) {
      closed = socket.getLocalPort();
    }
    assertThatThrownBy(() -> handler.run(context("http://127.0.0.1:" + closed + "/x")))
        .hasMessageContaining("is unreachable").satisfies(e -> assertThat(((TaskFailure) e).retryable()).isTrue());
  }

  @Test
  void copiesFilesFromTheWorkspaceAndRefusesOthers() throws Exception {
    var source = Files.writeString(workspace.resolve("source.dat"), "42\n");
    assertThat(handler.run(context("file://" + source)).get("path")).isEqualTo(workspace.resolve("in/source.dat").toString());
    assertThatThrownBy(() -> handler.run(context("file:///etc/hostname")))
        .hasMessageStartingWith("input /etc/hostname is outside the allowed directories [")
        .satisfies(e -> assertThat(e.getMessage().split("/etc/hostname", -1)).as("the path named once").hasSize(2));
    assertThatThrownBy(() -> handler.run(context("ftp://example.org/x")))
        .hasMessageContaining("unsupported scheme");
    assertThatThrownBy(() -> handler.run(context(List.of())))
        .hasMessage("params.source must be a URI or a non-empty list of URIs");
  }
}
