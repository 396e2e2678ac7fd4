package org.weft.orchestrator;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/** Tells the person who started Weft where to point a browser or curl. */
@Component
class ReadyBanner {

  private static final Logger log = LoggerFactory.getLogger(ReadyBanner.class);

  @EventListener
  void onReady(ApplicationReadyEvent event) {
    if (!(event.getApplicationContext() instanceof WebServerApplicationContext web) || web.getWebServer() == null) {
      return;
    }
    var base = "http://localhost:" + web.getWebServer().getPort();
    var environment = event.getApplicationContext().getEnvironment();
    var lines = new StringBuilder("Weft orchestrator is up")
        .append("\n  API            ").append(base).append("/api/v1")
        .append("\n  Health         ").append(base).append("/actuator/health")
        .append("\n  Metrics        ").append(base).append("/actuator/prometheus");
    // set by the embedded infrastructure, where it is on the classpath and started servers
    var embedded = environment.getProperty("weft.embedded.running");
    var browser = environment.getProperty("weft.embedded.neo4j-browser-url");
    if (browser != null) {
      lines.append("\n  Neo4j Browser  ").append(browser)
          .append(" (connect to ").append(environment.getProperty("spring.neo4j.uri")).append(", no authentication)");
    }
    lines.append("\n  Neo4j          ").append(environment.getProperty("spring.neo4j.uri"))
        .append("\n  ZooKeeper      ").append(environment.getProperty("weft.zookeeper.connect-string", "localhost:2181"))
        .append("\n  Kafka          ").append(environment.getProperty("spring.kafka.bootstrap-servers", "localhost:9092"));
    if (embedded != null && !embedded.isEmpty()) {
      lines.append("\n  Embedded       ").append(embedded);
    }
    log.info("{}", lines);
  }
}
