package org.weft.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A single-node KRaft Kafka (combined broker and controller) whose log lives in {@code dataDir}.
 * The storage is formatted once, on first start; later starts reuse it so topics and offsets survive.
 */
final class EmbeddedKafka implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;

  private final KafkaRaftServer server;
  private final String bootstrapServers;

  private EmbeddedKafka(KafkaRaftServer server, String bootstrapServers) {
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  static EmbeddedKafka start(Path dataDir, String host, int port, int controllerPort) throws IOException {
    Files.createDirectories(dataDir);
    var logDir = dataDir.resolve("logs");
    var config = brokerConfig(host, port, controllerPort, logDir);
    var configFile = dataDir.resolve("server.properties");
    try (Writer out = Files.newBufferedWriter(configFile, StandardCharsets.UTF_8)) {
      config.store(out, "Written by Weft at each start of the embedded broker; edits are overwritten");
    }
    if (!Files.exists(logDir.resolve("meta.properties"))) {
      format(configFile);
    }
    var server = new KafkaRaftServer(KafkaConfig.fromProps(config, false), Time.SYSTEM);
    try {
      server.startup();
    } catch (RuntimeException e) {
      server.shutdown();
      server.awaitShutdown();
      throw e;
    }
    var bootstrap = host + ":" + port;
    log.info("Embedded Kafka (KRaft) listening on {} with data in {}", bootstrap, dataDir);
    return new EmbeddedKafka(server, bootstrap);
  }

  /** Holds some 600,000 distinct keys per cleaning pass. */
  static final int DEDUPE_BUFFER_BYTES = 16 * 1024 * 1024;

  private static Properties brokerConfig(String host, int port, int controllerPort, Path logDir) {
    var config = new Properties();
    config.setProperty("process.roles", "broker,controller");
    config.setProperty("node.id", String.valueOf(NODE_ID));
    config.setProperty("controller.quorum.voters", "%d@%s:%d".formatted(NODE_ID, host, controllerPort));
    config.setProperty("listeners", "PLAINTEXT://%s:%d,CONTROLLER://%s:%d".formatted(host, port, host, controllerPort));
    config.setProperty("advertised.listeners", "PLAINTEXT://%s:%d".formatted(host, port));
    config.setProperty("controller.listener.names", "CONTROLLER");
    config.setProperty("inter.broker.listener.name", "PLAINTEXT");
    config.setProperty("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    config.setProperty("log.dirs", logDir.toAbsolutePath().toString());
    // one broker: every internal topic has one replica
    config.setProperty("offsets.topic.replication.factor", "1");
    config.setProperty("offsets.topic.num.partitions", "8");
    config.setProperty("transaction.state.log.replication.factor", "1");
    config.setProperty("transaction.state.log.min.isr", "1");
    config.setProperty("transaction.state.log.num.partitions", "4");
    config.setProperty("share.coordinator.state.topic.replication.factor", "1");
    config.setProperty("share.coordinator.state.topic.min.isr", "1");
    // a lone broker has no rebalance storm to wait out; consumers join at once
    config.setProperty("group.initial.rebalance.delay.ms", "0");
    config.setProperty("num.network.threads", "2");
    config.setProperty("num.io.threads", "4");
    // the log cleaner's key map is a heap buffer held for the broker's life: Kafka's 128 MiB would be
    // half the process's live heap, for compacted topics (consumer offsets) of a few thousand keys
    config.setProperty("log.cleaner.dedupe.buffer.size", String.valueOf(DEDUPE_BUFFER_BYTES));
    // the controller writes a no-op record this often when nothing happens (Kafka's default is
    // 500 ms), waking its I/O thread and the broker's metadata loader; a lone node needs few
    config.setProperty("metadata.max.idle.interval.ms", "10000");
    return config;
  }

  private static void format(Path configFile) {
    var output = new ByteArrayOutputStream();
    int exit;
    try (var printer = new PrintStream(output, true, StandardCharsets.UTF_8)) {
      exit = StorageTool.execute(
          new String[] {"format", "-t", Uuid.randomUuid().toString(), "-c", configFile.toString(), "--ignore-formatted"},
          printer);
    }
    if (exit != 0) {
      throw new UncheckedIOException(new IOException(
          "Formatting the embedded Kafka storage failed: " + output.toString(StandardCharsets.UTF_8).trim()));
    }
    log.info("Formatted new embedded Kafka storage next to {}", configFile);
    log.debug("Kafka storage tool said: {}", output.toString(StandardCharsets.UTF_8).trim());
  }

  String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public void close() {
    server.shutdown();
    server.awaitShutdown();
    log.info("Embedded Kafka stopped");
  }
}
