package org.weft.orchestrator.template;

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
 * @param defaults              what a task gets where its template says nothing
 * @param maxExpansion          the most task nodes one experiment may have once its {@code forEach}
 *                              and {@code matrix} tasks are expanded (default {@code 10000}), and a
 *                              tenth of the most dependencies between them; a template or a
 *                              submission past it is refused
 */
@ConfigurationProperties("weft.dag")
public record DagProperties(
    @DefaultValue({"classpath*:master-dags/*.yaml", "classpath*:master-dags/*.yml", "classpath*:master-dags/*.json"})
    List<String> templates,
    Map<String, TaskTypeCatalog.TaskType> taskTypes,
    @DefaultValue("true") boolean failOnInvalidTemplate,
    @DefaultValue TaskDefaults defaults,
    @DefaultValue("10000") int maxExpansion,
    @DefaultValue SpeculationDefaults speculation) {

  /**
   * Straggler replicas of tasks marked {@code speculative} in their templates.
   *
   * @param multiplier how many times the median duration of its finished siblings an attempt must
   *                   run before a replica of it starts (default {@code 3})
   * @param minimum    how long an attempt must run at least before a replica of it starts, whatever
   *                   its siblings took (default {@code PT1M})
   * @param quantile   the share of its siblings that must have finished before their median counts
   *                   (default {@code 0.5})
   */
  public record SpeculationDefaults(
      @DefaultValue("3") double multiplier,
      @DefaultValue("PT1M") java.time.Duration minimum,
      @DefaultValue("0.5") double quantile) {}

  /**
   * @param maxAttempts      attempts of a task before it fails for good (default {@code 3})
   * @param backoff          wait before a retry (default {@code PT2S})
   * @param timeLimit        longest one attempt may run (default {@code PT1H})
   * @param heartbeatTimeout longest silence from a running task before it counts as lost (default
   *                         {@code PT30S}); it counts from when a worker takes the attempt, not
   *                         while the attempt waits for one
   * @param redeliverAfter   how long an attempt may wait for a worker to take it before its dispatch
   *                         is sent again, with the same id, in case it was lost; waiting is never a
   *                         failure (default {@code PT5M})
   * @param reconstructions  how many times one lost file is re-created, by re-running the task that
   *                         wrote it, before what needs it fails naming it (default {@code 3})
   */
  public record TaskDefaults(
      @DefaultValue("3") int maxAttempts,
      @DefaultValue("PT2S") java.time.Duration backoff,
      @DefaultValue("PT1H") java.time.Duration timeLimit,
      @DefaultValue("PT30S") java.time.Duration heartbeatTimeout,
      @DefaultValue("PT5M") java.time.Duration redeliverAfter,
      @DefaultValue("3") int reconstructions) {}


  public DagProperties {
    templates = templates == null ? List.of() : List.copyOf(templates);
    taskTypes = taskTypes == null ? Map.of() : Map.copyOf(taskTypes);
  }
}
