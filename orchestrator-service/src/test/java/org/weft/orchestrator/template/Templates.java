package org.weft.orchestrator.template;

import java.util.Map;

/** Small templates for tests, built from a readable YAML text. */
final class Templates {

  static final TaskTypeCatalog CATALOG = new TaskTypeCatalog(new DagProperties(java.util.List.of(), Map.of(), true,
      new DagProperties.TaskDefaults(3, java.time.Duration.ofSeconds(2), java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(5), 3), 10_000,
      new DagProperties.SpeculationDefaults(3, java.time.Duration.ofMinutes(1), 0.5)));
  static final DagProperties.TaskDefaults CATALOG_DEFAULTS = new DagProperties.TaskDefaults(3,
      java.time.Duration.ofSeconds(2), java.time.Duration.ofHours(1), java.time.Duration.ofSeconds(30), java.time.Duration.ofMinutes(5), 3);
  static final TemplateParser PARSER = new TemplateParser();
  static final MasterDagValidator VALIDATOR = new MasterDagValidator(CATALOG, 10_000);

  private Templates() {}

  static MasterDagDocument yaml(String text) {
    return PARSER.parse(text, TemplateParser.Format.YAML);
  }

  /** setup -> stage-in -> run, with one required and one defaulted input. */
  static final String CHAIN = """
      type: chain
      inputs:
        - {name: input-file, type: uri, required: true}
        - {name: steps, type: integer, default: 10}
      tasks:
        - key: setup
          taskType: env-setup
        - key: stage-in
          taskType: input-staging
          dependsOn: [setup]
          params: {source: "${inputs.input-file}", destination: "${tasks.setup.outputs.inputDir}"}
        - key: run
          taskType: job-submission
          dependsOn: [stage-in]
          command: {template: [simulate, --steps, "${inputs.steps}", "${tasks.stage-in.outputs.path}"]}
      """;
}
