package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weft.orchestrator.testsupport.Api.read;

import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.graph.MasterDags;
import org.weft.orchestrator.template.MasterDagValidator;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * A submission without a template version takes the newest, though this instance remembers the
 * newest it has seen instead of asking Neo4j each time: versions registered here or on another
 * instance are taken by the next submission.
 */
@WeftIntegrationTest
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NewestTemplateIT {

  @Value("${local.server.port}")
  int port;

  @Autowired
  TemplateService templates;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TransactionTemplate transactions;

  @Autowired
  TemplateParser parser;

  @Autowired
  MasterDagValidator validator;

  Api api;

  @BeforeAll
  void api() {
    api = new Api(port);
  }

  @Test
  void aVersionRegisteredHereIsTakenByTheNextSubmission() {
    var type = Api.registerTemplate(templates, "newest", "tasks: [{key: a, taskType: env-setup}]\n");
    assertThat(versionAndKeys(submit(type))).containsExactly("1", "a");

    templates.register(template(type, "b"), TemplateParser.Format.YAML);

    assertThat(versionAndKeys(submit(type))).containsExactly("2", "b");
  }

  @Test
  void aVersionAnotherInstanceRegisteredIsTakenByTheNextSubmission() {
    var type = Api.registerTemplate(templates, "newest", "tasks: [{key: a, taskType: env-setup}]\n");
    assertThat(versionAndKeys(submit(type))).containsExactly("1", "a");
    var otherInstance = new TemplateService(parser, validator, new MasterDags(neo4j, transactions, parser));

    otherInstance.register(template(type, "b"), TemplateParser.Format.YAML);
    otherInstance.register(template(type, "c"), TemplateParser.Format.YAML);

    assertThat(versionAndKeys(submit(type))).containsExactly("3", "c");
    // and it knows it from then on: the same holds without the check failing again
    assertThat(versionAndKeys(submit(type))).containsExactly("3", "c");
  }

  @Test
  void anExplicitOlderVersionIsStillCreatedFromThatVersion() {
    var type = Api.registerTemplate(templates, "newest", "tasks: [{key: a, taskType: env-setup}]\n");
    templates.register(template(type, "b"), TemplateParser.Format.YAML);

    var id = api.submit("{\"experimentType\": \"" + type + "\", \"templateVersion\": 1}");

    assertThat(versionAndKeys(id)).containsExactly("1", "a");
  }

  private static String template(String type, String key) {
    return "type: " + type + "\ntasks: [{key: " + key + ", taskType: env-setup}]\n";
  }

  private String submit(String type) {
    return api.submit("{\"experimentType\": \"" + type + "\"}");
  }

  private List<String> versionAndKeys(String experimentId) {
    var experiment = api.get("/api/v1/experiments/" + experimentId);
    var dag = api.get("/api/v1/experiments/" + experimentId + "/dag");
    List<String> keys = read(dag, "$.nodes[*].key");
    return Stream.concat(Stream.of(String.valueOf((Object) read(experiment, "$.templateVersion"))), keys.stream())
        .toList();
  }
}
