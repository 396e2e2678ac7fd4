package org.weft.embedded;

import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.event.ContextClosedEvent;

/**
 * Runs only the infrastructure (ZooKeeper, Kafka, Neo4j with Browser) as a process of its own, so
 * that orchestrator instances and task microservices can run as separate processes against it:
 * {@code java -jar orchestrator-service.jar infrastructure [--weft.embedded.data-dir=…]}. A server
 * whose external address is given is not started, as in the orchestrator.
 */
public final class InfrastructureMain {

  /** Printed once every server is up; scripts and tests wait for it. */
  public static final String READY_LINE = "Weft infrastructure ready";

  private static final Logger log = LoggerFactory.getLogger(InfrastructureMain.class);

  private InfrastructureMain() {}

  public static void main(String[] args) throws InterruptedException {
    var stopped = new CountDownLatch(1);
    var context = new SpringApplicationBuilder(InfrastructureOnly.class)
        .web(WebApplicationType.NONE)
        .properties("spring.application.name=weft-infrastructure")
        .listeners(event -> {
          if (event instanceof ContextClosedEvent) {
            stopped.countDown();
          }
        })
        .run(args);
    var infrastructure = context.getBeanProvider(EmbeddedInfrastructure.class).getIfAvailable();
    if (infrastructure == null) {
      log.warn("Every server has an external address or weft.embedded.enabled=false: nothing to run");
      context.close();
      return;
    }
    infrastructure.zookeeperConnectString().ifPresent(a -> log.info("ZooKeeper      {}", a));
    infrastructure.kafkaBootstrapServers().ifPresent(a -> log.info("Kafka          {}", a));
    infrastructure.neo4jBoltUri().ifPresent(a -> log.info("Neo4j (Bolt)   {}", a));
    infrastructure.neo4jBrowserUrl().ifPresent(a -> log.info("Neo4j Browser  {}", a));
    log.info(READY_LINE);
    stopped.await();
  }

  /** No auto-configuration: this process serves the infrastructure and connects to nothing. */
  @SpringBootConfiguration
  static class InfrastructureOnly {}
}
