package org.weft.orchestrator.dag;

import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Master DAG templates.
 *
 * @param templates             where the templates loaded at startup are, as Spring resource
 *                              patterns (default: the {@code master-dags/} shipped in the jar)
 * @param taskTypes             task types beyond the five built in, or overriding them, with their
 *                              outputs (default: none)
 * @param failOnInvalidTemplate whether an invalid template at startup stops the service (default
 *                              {@code true}); {@code false} logs it and loads the others
 */
@ConfigurationProperties("weft.dag")
public record DagProperties(
    @DefaultValue({"classpath*:master-dags/*.yaml", "classpath*:master-dags/*.yml", "classpath*:master-dags/*.json"})
    List<String> templates,
    Map<String, TaskTypeCatalog.TaskType> taskTypes,
    @DefaultValue("true") boolean failOnInvalidTemplate) {

  public DagProperties {
    templates = templates == null ? List.of() : List.copyOf(templates);
    taskTypes = taskTypes == null ? Map.of() : Map.copyOf(taskTypes);
  }
}
