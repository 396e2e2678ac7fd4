package org.weft.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import org.neo4j.configuration.GraphDatabaseInternalSettings;
import org.neo4j.configuration.GraphDatabaseSettings;
import org.neo4j.configuration.connectors.BoltConnector;
import org.neo4j.configuration.connectors.HttpConnector;
import org.neo4j.configuration.helpers.SocketAddress;
import org.neo4j.dbms.api.DatabaseManagementService;
import org.neo4j.dbms.api.DatabaseManagementServiceBuilder;
import org.neo4j.graphdb.GraphDatabaseService;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.server.configuration.ServerSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Neo4j community edition in this JVM, reachable over Bolt like any server, with the HTTP connector
 * serving Neo4j Browser (from the {@code neo4j-browser} jar on the classpath) at {@code /browser/},
 * styled for live DAGs unless told otherwise.
 */
final class EmbeddedNeo4j implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EmbeddedNeo4j.class);
  /** Part of Neo4j's refusal to set the password the user already has. */
  private static final String SAME_PASSWORD = "cannot be the same";

  private final DatabaseManagementService dbms;
  private final String boltUri;
  private final String browserUrl;
  private final String password;

  private EmbeddedNeo4j(DatabaseManagementService dbms, String boltUri, String browserUrl, String password) {
    this.dbms = dbms;
    this.boltUri = boltUri;
    this.browserUrl = browserUrl;
    this.password = password;
  }

  static EmbeddedNeo4j start(Path homeDir, String host, int boltPort, int httpPort, EmbeddedProperties.Neo4j settings) {
    var bolt = new SocketAddress(host, boltPort);
    var http = new SocketAddress(host, httpPort);
    var builder = new DatabaseManagementServiceBuilder(homeDir.toAbsolutePath());
    if (settings.browserStyle()) {
      builder.setConfig(ServerSettings.browser_post_connect_cmd, styleCommand());
    }
    var dbms = builder
        .setConfig(BoltConnector.enabled, true)
        .setConfig(BoltConnector.listen_address, bolt)
        .setConfig(BoltConnector.advertised_address, bolt)
        .setConfig(BoltConnector.encryption_level, BoltConnector.EncryptionLevel.DISABLED)
        .setConfig(HttpConnector.enabled, true)
        .setConfig(HttpConnector.listen_address, http)
        .setConfig(HttpConnector.advertised_address, http)
        // the local default is open like the other two servers; an external Neo4j brings its own auth
        .setConfig(GraphDatabaseSettings.auth_enabled, settings.password() != null)
        .setConfig(GraphDatabaseSettings.pagecache_memory, settings.pageCache().toBytes())
        .setConfig(GraphDatabaseSettings.udc_enabled, false)
        .setConfig(ServerSettings.allow_telemetry, false)
        // Bolt's Netty otherwise waits ~10 s on shutdown for connections that are already gone
        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_quiet_period, 0)
        .setConfig(GraphDatabaseInternalSettings.netty_server_shutdown_timeout, Duration.ofSeconds(1))
        // Weft's statements seek by unique ids and indexes, so their plans do not get better as the
        // graph grows; replanning them every 10 s while it grows fast cost a quarter of Neo4j's CPU
        .setConfig(GraphDatabaseSettings.cypher_min_replan_interval, Duration.ofMinutes(10))
        // nor does the length of a list parameter change them: one plan per statement, not one per size
        .setConfig(GraphDatabaseInternalSettings.cypher_size_hint_parameters, false)
        .build();
    try {
      // opening the default database here makes a broken store fail the start, not the first query
      dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME).beginTx().close();
      if (settings.password() != null) {
        setPassword(dbms, settings.password());
      }
    } catch (RuntimeException e) {
      dbms.shutdown();
      throw e;
    }
    var boltUri = "bolt://%s:%d".formatted(host, boltPort);
    var browserUrl = "http://%s:%d/browser/".formatted(host, httpPort);
    log.info("Embedded Neo4j listening on {} with Browser at {} and data in {}{}", boltUri, browserUrl, homeDir,
        settings.password() == null ? "" : "; user " + EmbeddedProperties.Neo4j.USER + " with the configured password");
    return new EmbeddedNeo4j(dbms, boltUri, browserUrl, settings.password());
  }

  /**
   * Gives the administrator the configured password at every start, so that changing the setting
   * changes the password. The embedded API acts as the database itself, without credentials.
   */
  private static void setPassword(DatabaseManagementService dbms, String password) {
    var system = dbms.database(GraphDatabaseSettings.SYSTEM_DATABASE_NAME);
    try {
      system.executeTransactionally("ALTER USER %s SET PASSWORD $password CHANGE NOT REQUIRED"
          .formatted(EmbeddedProperties.Neo4j.USER), Map.of("password", password));
    } catch (QueryExecutionException e) {
      // Neo4j refuses to set the password the user already has: then there is nothing to do
      if (!e.getMessage().contains(SAME_PASSWORD)) {
        throw new IllegalStateException("Neo4j refused weft.embedded.neo4j.password: " + e.getMessage(), e);
      }
    }
  }

  /**
   * Browser's {@code :style} command with Weft's style, as Browser runs it after connecting. The
   * style is JSON, which {@code :style} takes like GraSS: Browser splits the setting into
   * commands at each {@code ;} outside quotes, and GraSS ends every property with one.
   */
  static String styleCommand() {
    try (var in = EmbeddedNeo4j.class.getResourceAsStream("weft.grass")) {
      if (in == null) {
        throw new IllegalStateException("weft.grass is missing from the jar");
      }
      var style = new String(in.readAllBytes(), StandardCharsets.UTF_8).replaceAll("\\s*\\n\\s*", " ").strip();
      return "style " + style;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The database itself, for the in-process driver. */
  GraphDatabaseService database() {
    return dbms.database(GraphDatabaseSettings.DEFAULT_DATABASE_NAME);
  }

  String boltUri() {
    return boltUri;
  }

  String browserUrl() {
    return browserUrl;
  }

  /** The administrator's password, when Bolt requires one. */
  Optional<String> password() {
    return Optional.ofNullable(password);
  }

  @Override
  public void close() {
    dbms.shutdown();
    log.info("Embedded Neo4j stopped");
  }
}
