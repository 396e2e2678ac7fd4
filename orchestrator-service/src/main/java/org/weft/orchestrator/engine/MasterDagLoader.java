package org.weft.orchestrator.engine;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.core.io.Resource;
import org.springframework.core.io.support.PathMatchingResourcePatternResolver;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.graph.ColdStatements;
import org.weft.orchestrator.graph.GraphSchema;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.template.TemplateRejectedException;

/**
 * At startup, before the API serves a request: puts the graph schema in place and registers every
 * template found at {@code weft.dag.templates}. Files load in name order, so
 * {@code x-v1.yaml} becomes version 1 and {@code x-v2.yaml} version 2 of a new type.
 */
@Component
class MasterDagLoader implements SmartInitializingSingleton {

  private static final Logger log = LoggerFactory.getLogger(MasterDagLoader.class);

  private final GraphSchema schema;
  private final TemplateService templates;
  private final DagProperties properties;
  private final ColdStatements coldStatements;

  MasterDagLoader(GraphSchema schema, TemplateService templates, DagProperties properties,
      ColdStatements coldStatements) {
    this.schema = schema;
    this.templates = templates;
    this.properties = properties;
    this.coldStatements = coldStatements;
  }

  @Override
  public void afterSingletonsInstantiated() {
    schema.apply();
    var files = templates();
    int created = 0;
    var problems = new ArrayList<String>();
    for (var file : files) {
      var name = file.getFilename() == null ? file.getDescription() : file.getFilename();
      try {
        var text = file.getContentAsString(StandardCharsets.UTF_8);
        var format = name.endsWith(".json") ? TemplateParser.Format.JSON : TemplateParser.Format.YAML;
        var registration = templates.register(text, format);
        created += registration.created() ? 1 : 0;
        log.debug("Master DAG {} from {}: version {}", registration.type(), name, registration.version());
      } catch (TemplateRejectedException e) {
        problems.add(name + ": " + e.getMessage());
      } catch (IOException e) {
        problems.add(name + ": unreadable: " + e.getMessage());
      }
    }
    if (!problems.isEmpty()) {
      var message = "Invalid master DAG templates: " + String.join(" | ", problems);
      if (properties.failOnInvalidTemplate()) {
        throw new IllegalStateException(message + " (set weft.dag.fail-on-invalid-template=false to load the valid ones)");
      }
      log.error("{}", message);
    }
    log.info("Loaded {} master DAG template files ({} new versions)", files.size(), created);
    coldStatements.plan();
  }

  private List<Resource> templates() {
    var resolver = new PathMatchingResourcePatternResolver();
    var found = new ArrayList<Resource>();
    for (var pattern : properties.templates()) {
      try {
        for (var resource : resolver.getResources(pattern)) {
          if (resource.isReadable()) {
            found.add(resource);
          }
        }
      } catch (IOException e) {
        throw new UncheckedIOException("Cannot list master DAG templates at " + pattern, e);
      }
    }
    found.sort(Comparator.comparing(r -> r.getFilename() == null ? "" : r.getFilename()));
    return found;
  }
}
