package org.weft.orchestrator.engine;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.weft.orchestrator.model.MessageJson;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.MasterDagValidator;
import org.weft.orchestrator.template.TaskTypeCatalog;
import org.weft.orchestrator.template.TemplateParser;

/**
 * The pure parts the engine and the adapters share, made beans here so that the domain packages
 * carry no Spring annotation and stay usable from plain unit tests.
 */
@Configuration(proxyBeanMethods = false)
class DomainConfiguration {

  @Bean
  TaskTypeCatalog taskTypeCatalog(DagProperties properties) {
    return new TaskTypeCatalog(properties);
  }

  @Bean
  TemplateParser templateParser() {
    return new TemplateParser();
  }

  @Bean
  MasterDagValidator masterDagValidator(TaskTypeCatalog catalog, DagProperties properties) {
    return new MasterDagValidator(catalog, properties.maxExpansion());
  }

  @Bean
  MessageJson messageJson() {
    return new MessageJson();
  }
}
