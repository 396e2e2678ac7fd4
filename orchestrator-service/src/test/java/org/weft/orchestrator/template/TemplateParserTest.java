package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.weft.orchestrator.template.Templates.PARSER;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.template.Violation;

class TemplateParserTest {

  @Test
  void readsYamlWithDurationsAndNestedSettings() {
    var document = Templates.yaml("""
        type: t
        tasks:
          - key: run
            taskType: job-submission
            retry: {maxAttempts: 3, backoff: PT2S}
            resources: {cores: 2, memory: 1GiB, wallTime: PT10M}
            timeLimit: PT15M
        """);

    var task = document.tasks().get(0);
    assertThat(task.retry().maxAttempts()).isEqualTo(3);
    assertThat(task.retry().backoff()).isEqualTo(Duration.ofSeconds(2));
    assertThat(task.resources().memory()).isEqualTo("1GiB");
    assertThat(task.timeLimit()).isEqualTo(Duration.ofMinutes(15));
  }

  @Test
  void namesEveryUnknownFieldNotJustTheFirst() {
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        descripton: typo
        tasks:
          - key: run
            taskType: env-setup
            dependOn: [x]
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> {
          assertThat(e.kind()).isEqualTo(TemplateRejectedException.Kind.INVALID);
          assertThat(e.violations()).extracting(Violation::field).containsExactlyInAnyOrder("descripton", "tasks[0].dependOn");
          assertThat(e.violations()).extracting(Violation::message).containsOnly("unknown field");
        });
  }

  @Test
  void malformedYamlIsMalformedWithItsLine() {
    assertThatThrownBy(() -> Templates.yaml("type: t\ntasks: [\n  - key: {\n"))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> {
          assertThat(e.kind()).isEqualTo(TemplateRejectedException.Kind.MALFORMED);
          assertThat(e.getMessage()).contains("not valid YAML at line");
        });
  }

  @Test
  void malformedJsonIsMalformed() {
    assertThatThrownBy(() -> PARSER.parse("{\"type\": \"t\", ", TemplateParser.Format.JSON))
        .isInstanceOfSatisfying(TemplateRejectedException.class,
            e -> assertThat(e.kind()).isEqualTo(TemplateRejectedException.Kind.MALFORMED));
  }

  @Test
  void duplicateKeysAreRefused() {
    assertThatThrownBy(() -> PARSER.parse("{\"type\": \"a\", \"type\": \"b\", \"tasks\": []}", TemplateParser.Format.JSON))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> assertThat(e.getMessage()).contains("Duplicate"));
  }

  @Test
  void aValueOfTheWrongTypeNamesItsPlace() {
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        tasks:
          - key: run
            taskType: env-setup
            retry: {maxAttempts: three}
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> {
          assertThat(e.kind()).isEqualTo(TemplateRejectedException.Kind.INVALID);
          assertThat(e.violations()).containsExactly(new Violation("tasks[0].retry.maxAttempts", "must be a whole number"));
        });
  }

  @Test
  void aDurationThatIsNotIso8601IsRefused() {
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        tasks: [{key: run, taskType: env-setup, timeLimit: 10 minutes}]
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class,
            e -> assertThat(e.violations()).extracting(Violation::field).containsExactly("tasks[0].timeLimit"));
  }

  @Test
  void anUnknownInputTypeSaysWhichTypesExist() {
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        inputs: [{name: x, type: float}]
        tasks: [{key: run, taskType: env-setup}]
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> {
          assertThat(e.violations().get(0).field()).isEqualTo("inputs[0].type");
          assertThat(e.violations().get(0).message()).contains("string, integer, number, boolean, uri");
        });
  }

  @Test
  void aDataPolicyIsReadAndAnUnknownValueSaysWhichExist() {
    assertThat(Templates.yaml("""
        type: t
        tasks: [{key: run, taskType: env-setup}]
        data: {verify: checksum, retain: outputs}
        """).dataPolicy()).isEqualTo(new MasterDagDocument.DataSpec(MasterDagDocument.Verify.CHECKSUM,
        MasterDagDocument.Retain.OUTPUTS));
    assertThat(Templates.yaml("type: t\ntasks: [{key: run, taskType: env-setup}]\n").dataPolicy().verifyOrDefault())
        .isEqualTo(MasterDagDocument.Verify.SIZE);
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        tasks: [{key: run, taskType: env-setup}]
        data: {verify: md5}
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> assertThat(e.violations())
            .containsExactly(new Violation("data.verify", "must be size or checksum")));
    assertThatThrownBy(() -> Templates.yaml("""
        type: t
        tasks: [{key: run, taskType: env-setup}]
        data: {retain: some}
        """))
        .isInstanceOfSatisfying(TemplateRejectedException.class, e -> assertThat(e.violations())
            .containsExactly(new Violation("data.retain", "must be all, outputs or none")));
  }

  @Test
  void theSameContentInYamlOrJsonHasTheSameCanonicalForm() {
    var yaml = Templates.yaml("type: t\ntasks:\n  - {key: a, taskType: env-setup, params: {b: 1, a: 2}}\n");
    var json = PARSER.parse("""
        {"tasks": [{"params": {"a": 2, "b": 1}, "taskType": "env-setup", "key": "a"}], "type": "t"}
        """, TemplateParser.Format.JSON);

    assertThat(PARSER.canonicalJson(yaml)).isEqualTo(PARSER.canonicalJson(json));
  }

  @Test
  void anEmptyDocumentIsMalformed() {
    assertThatThrownBy(() -> Templates.yaml("  \n"))
        .isInstanceOfSatisfying(TemplateRejectedException.class,
            e -> assertThat(e.kind()).isEqualTo(TemplateRejectedException.Kind.MALFORMED));
  }
}
