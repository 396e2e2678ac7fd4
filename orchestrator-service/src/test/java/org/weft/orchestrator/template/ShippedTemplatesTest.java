package org.weft.orchestrator.template;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every template in {@code master-dags/} keeps both its JSON Schema and Weft's own rules. */
class ShippedTemplatesTest {

  private static final Path DIRECTORY = Paths.get("..", "master-dags");
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  static List<Path> templates() throws IOException {
    try (Stream<Path> files = Files.list(DIRECTORY)) {
      return files.filter(f -> f.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
    }
  }

  @Test
  void theThreeExperimentTypesAShippedGatewayNeedsAreThere() throws IOException {
    assertThat(templates()).extracting(p -> p.getFileName().toString())
        .contains("single-application-v1.yaml", "parameter-sweep-v1.yaml", "map-reduce-v1.yaml");
  }

  @ParameterizedTest
  @MethodSource("templates")
  void keepsTheJsonSchema(Path file) throws IOException {
    var errors = schema().validate(YAML.readTree(file.toFile()));

    assertThat(errors).as(file.toString()).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("templates")
  void keepsWeftsRules(Path file) throws IOException {
    var document = Templates.yaml(Files.readString(file));

    assertThat(Templates.VALIDATOR.validate(document)).as(file.toString()).isEmpty();
    assertThat(file.getFileName().toString()).startsWith(document.type() + "-v");
  }

  @Test
  void theSchemaRefusesWhatWeftRefuses() throws IOException {
    var typo = YAML.readTree("""
        type: t
        tasks: [{key: a, taskType: env-setup, retries: 3}]
        """);
    var badName = YAML.readTree("""
        type: "Not A Name"
        tasks: [{key: a, taskType: env-setup}]
        """);
    var noTasks = YAML.readTree("type: t\ntasks: []\n");

    assertThat(schema().validate(typo)).isNotEmpty();
    assertThat(schema().validate(badName)).isNotEmpty();
    assertThat(schema().validate(noTasks)).isNotEmpty();
  }

  @Test
  void theSweepRunsOncePerValueOfItsListAndMapReduceHasFourMapsAndTwoReduces() throws IOException {
    var sweep = Templates.yaml(Files.readString(DIRECTORY.resolve("parameter-sweep-v2.yaml")));
    var plan = LiveDagPlan.of("e", sweep, 2, ExperimentInputs.resolve(sweep, java.util.Map.of("input-file", "file:///in",
        "alphas", java.util.List.of(1, 2, 3, 4, 5, 6, 7))), Templates.CATALOG_DEFAULTS, java.util.Set.of("local"), 10_000);
    assertThat(plan.tasks()).filteredOn(t -> t.templateKey().equals("run")).hasSize(7);
    assertThat(plan.edges()).filteredOn(edge -> edge.to().equals("e:collect")).extracting(LiveDagPlan.Edge::from)
        .containsExactly("e:monitor[0]", "e:monitor[1]", "e:monitor[2]", "e:monitor[3]", "e:monitor[4]", "e:monitor[5]",
            "e:monitor[6]");
    var byDefault = LiveDagPlan.of("e", sweep, 2, ExperimentInputs.resolve(sweep, java.util.Map.of("input-file", "file:///in")),
        Templates.CATALOG_DEFAULTS, java.util.Set.of("local"), 10_000);
    assertThat(byDefault.tasks()).filteredOn(t -> t.templateKey().equals("monitor")).hasSize(4);

    var mapReduce = Templates.yaml(Files.readString(DIRECTORY.resolve("map-reduce-v1.yaml")));
    var reduces = mapReduce.tasks().stream().filter(t -> t.key().startsWith("reduce-")).toList();
    assertThat(mapReduce.tasks().stream().filter(t -> t.key().startsWith("map-"))).hasSize(4);
    assertThat(reduces).hasSize(2).allSatisfy(reduce -> assertThat(reduce.dependsOn())
        .containsExactly("watch-map-1", "watch-map-2", "watch-map-3", "watch-map-4"));
    // a job's output is read only once its monitoring node has seen the job end
    assertThat(mapReduce.tasks().stream().filter(t -> t.key().equals("stage-out")).findFirst().orElseThrow().dependsOn())
        .containsExactly("watch-reduce-1", "watch-reduce-2");
  }

  @Test
  void theSecondMapReduceHasAMapPerChunkTheSplitMadeAndAsManyReducesAsAsked() throws IOException {
    var mapReduce = Templates.yaml(Files.readString(DIRECTORY.resolve("map-reduce-v2.yaml")));

    var plan = LiveDagPlan.of("e", mapReduce, 2, ExperimentInputs.resolve(mapReduce, java.util.Map.of("input-file",
        "file:///in", "reducers", 3)), Templates.CATALOG_DEFAULTS, java.util.Set.of("local"), 10_000);

    // the maps wait, one node each, for the chunks to be listed; the reduces are known already
    assertThat(plan.tasks()).extracting(LiveDagPlan.PlannedTask::key).containsExactly("setup", "stage-in", "split",
        "watch-split", "chunks", "map", "watch-map", "reduce[0]", "reduce[1]", "reduce[2]", "watch-reduce[0]",
        "watch-reduce[1]", "watch-reduce[2]", "stage-out");
    assertThat(plan.tasks().get(5).context()).containsEntry("forEach", "${tasks.chunks.outputs.files}");
    @SuppressWarnings("unchecked")
    var reduce1 = (java.util.Map<String, Object>) plan.tasks().get(8).context().get("command");
    assertThat((java.util.List<Object>) reduce1.get("template")).contains("1/3");
    assertThat(plan.edges()).filteredOn(edge -> edge.from().equals("e:watch-map")).hasSize(3);
  }

  private static JsonSchema schema() throws IOException {
    var text = Files.readString(DIRECTORY.resolve("schema").resolve("master-dag.schema.json"));
    return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012).getSchema(text);
  }
}
