package org.weft.embedded;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the embedded servers before any bean connects to them, for each server whose external
 * address is not configured, and points the clients at them. The servers are registered as the
 * first disposable bean, so they stop after every bean that uses them.
 */
public class EmbeddedInfrastructureInitializer
    implements ApplicationContextInitializer<ConfigurableApplicationContext>, Ordered {

  public static final String BEAN_NAME = "weftEmbeddedInfrastructure";
  private static final Logger log = LoggerFactory.getLogger(EmbeddedInfrastructureInitializer.class);

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    var environment = context.getEnvironment();
    var properties = Binder.get(environment).bindOrCreate("weft.embedded", EmbeddedProperties.class);
    if (!properties.enabled()) {
      log.info("Embedded infrastructure disabled (weft.embedded.enabled=false)");
      return;
    }
    var selection = selectionFor(environment);
    if (!selection.any()) {
      log.info("External ZooKeeper, Kafka and Neo4j configured: no embedded server started");
      return;
    }
    var infrastructure = EmbeddedInfrastructure.start(properties, selection);
    environment.getPropertySources().addFirst(new MapPropertySource(BEAN_NAME, infrastructure.clientProperties()));
    // registered before any other bean, so destroyed after all of them (disposal runs in reverse)
    var beanFactory = (DefaultListableBeanFactory) context.getBeanFactory();
    beanFactory.registerSingleton(BEAN_NAME, infrastructure);
    beanFactory.registerDisposableBean(BEAN_NAME, infrastructure::close);
    if (properties.neo4j().inProcess()) {
      // Spring Boot's driver and Neo4j health check back off: these take their names
      infrastructure.neo4jDatabase().ifPresent(database -> {
        var boltUri = infrastructure.neo4jBoltUri().orElseThrow();
        beanFactory.registerSingleton("neo4jDriver", new InProcessDriver(database));
        beanFactory.registerSingleton("neo4jHealthIndicator", new InProcessNeo4jHealthIndicator(database, boltUri));
        log.info("Neo4j is reached in process here; Bolt at {} serves Browser and other processes", boltUri);
      });
    }
  }

  static EmbeddedInfrastructure.Selection selectionFor(ConfigurableEnvironment environment) {
    return new EmbeddedInfrastructure.Selection(
        !environment.containsProperty(EmbeddedInfrastructure.ZOOKEEPER_ADDRESS),
        !environment.containsProperty(EmbeddedInfrastructure.KAFKA_ADDRESS),
        !environment.containsProperty(EmbeddedInfrastructure.NEO4J_ADDRESS));
  }

  @Override
  public int getOrder() {
    return Ordered.HIGHEST_PRECEDENCE;
  }
}
