package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.context.support.GenericApplicationContext;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

class EmbeddedInfrastructureInitializerTest {

  @Test
  void startsEveryServerWhenNoAddressIsConfigured() {
    var selection = EmbeddedInfrastructureInitializer.selectionFor(environment(Map.of()));

    assertThat(selection).isEqualTo(EmbeddedInfrastructure.Selection.ALL);
  }

  @Test
  void skipsEachServerWhoseExternalAddressIsConfigured() {
    var selection = EmbeddedInfrastructureInitializer.selectionFor(environment(Map.of(
        "spring.neo4j.uri", "bolt://graph.example:7687",
        "weft.zookeeper.connect-string", "zk1:2181,zk2:2181")));

    assertThat(selection).isEqualTo(new EmbeddedInfrastructure.Selection(false, true, false));
  }

  @Test
  void startsNothingWhenEveryAddressIsExternal() {
    var context = contextWith(Map.of(
        "spring.neo4j.uri", "bolt://graph.example:7687",
        "weft.zookeeper.connect-string", "zk:2181",
        "spring.kafka.bootstrap-servers", "kafka:9092"));

    new EmbeddedInfrastructureInitializer().initialize(context);

    assertThat(context.getBeanFactory().containsSingleton(EmbeddedInfrastructureInitializer.BEAN_NAME)).isFalse();
  }

  @Test
  void startsNothingWhenDisabled() {
    var context = contextWith(Map.of("weft.embedded.enabled", "false"));

    new EmbeddedInfrastructureInitializer().initialize(context);

    assertThat(context.getBeanFactory().containsSingleton(EmbeddedInfrastructureInitializer.BEAN_NAME)).isFalse();
  }

  private static StandardEnvironment environment(Map<String, Object> properties) {
    var environment = new StandardEnvironment();
    environment.getPropertySources().addFirst(new MapPropertySource("test", properties));
    return environment;
  }

  private static GenericApplicationContext contextWith(Map<String, Object> properties) {
    var context = new GenericApplicationContext();
    context.setEnvironment(environment(properties));
    return context;
  }
}
