package org.weft.embedded;

import java.nio.file.Path;
import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.unit.DataSize;

/**
 * The in-process infrastructure started when no external address is configured. A port of {@code 0}
 * picks a free one, which tests use so that several contexts can run in one JVM.
 *
 * @param enabled   master switch; {@code false} starts no embedded server even where no external
 *                  address is configured (default {@code true})
 * @param dataDir   where the three servers keep their data, so a restart keeps every experiment,
 *                  znode and topic (default {@code ./data})
 * @param host      the address the servers listen on and advertise (default {@code localhost})
 * @param zookeeper the embedded ZooKeeper server
 * @param kafka     the embedded KRaft Kafka broker
 * @param neo4j     the embedded Neo4j database
 */
@ConfigurationProperties("weft.embedded")
public record EmbeddedProperties(
    @DefaultValue("true") boolean enabled,
    @DefaultValue("./data") Path dataDir,
    @DefaultValue("localhost") String host,
    @DefaultValue ZooKeeper zookeeper,
    @DefaultValue Kafka kafka,
    @DefaultValue Neo4j neo4j) {

  /**
   * @param port     client port (default {@code 2181})
   * @param tickTime ZooKeeper's basic time unit; sessions may last from 2 to 120 ticks (default
   *                 {@code 500ms}, so clients may ask for sessions from 1 s to 60 s)
   */
  public record ZooKeeper(@DefaultValue("2181") int port, @DefaultValue("500ms") Duration tickTime) {}

  /**
   * @param port           the PLAINTEXT listener clients use (default {@code 9092})
   * @param controllerPort the KRaft controller listener (default {@code 9093})
   */
  public record Kafka(@DefaultValue("9092") int port, @DefaultValue("9093") int controllerPort) {}

  /**
   * @param boltPort  Bolt, for drivers and Browser (default {@code 7687})
   * @param httpPort  HTTP, serving Neo4j Browser at {@code /browser/} (default {@code 7474})
   * @param pageCache page cache size; Neo4j's own guess takes a share of the whole machine's memory
   *                  (default {@code 256MB})
   * @param inProcess whether this process reaches the database through its own API rather than
   *                  over Bolt, which costs about a tenth of the CPU per statement; Bolt stays open
   *                  for Browser and other processes either way (default {@code true})
   * @param browserStyle whether Browser applies Weft's style ({@code docs/neo4j-browser/weft.grass}:
   *                  task nodes captioned by key and coloured by state) each time it connects,
   *                  replacing a style set by hand (default {@code true})
   * @param password  when set, Bolt and Browser require the user {@code neo4j} with this password (at
   *                  least 8 characters), for an infrastructure process other machines reach; this
   *                  process's own clients get it (default none: no authentication, as on loopback
   *                  the other two servers ask none)
   */
  public record Neo4j(
      @DefaultValue("7687") int boltPort,
      @DefaultValue("7474") int httpPort,
      @DefaultValue("256MB") DataSize pageCache,
      @DefaultValue("true") boolean inProcess,
      @DefaultValue("true") boolean browserStyle,
      String password) {

    /** The user the password is for: Neo4j's built-in administrator. */
    public static final String USER = "neo4j";

    /** Neo4j's own minimum ({@code dbms.security.auth_minimum_password_length}). */
    static final int MIN_PASSWORD_LENGTH = 8;

    public Neo4j {
      if (password != null && password.isEmpty()) {
        password = null;
      }
      if (password != null && password.length() < MIN_PASSWORD_LENGTH) {
        throw new IllegalArgumentException(
            "weft.embedded.neo4j.password must have at least %d characters".formatted(MIN_PASSWORD_LENGTH));
      }
    }

    @Override
    public String toString() {
      return "Neo4j[boltPort=%d, httpPort=%d, pageCache=%s, inProcess=%s, browserStyle=%s, password=%s]"
          .formatted(boltPort, httpPort, pageCache, inProcess, browserStyle, password == null ? "none" : "****");
    }
  }
}
