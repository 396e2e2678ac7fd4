package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.weft.orchestrator.testsupport.Api.read;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.JobPrograms;
import org.weft.orchestrator.testsupport.Neo4jBrowserDoc;
import org.weft.orchestrator.testsupport.StepChain;
import org.weft.orchestrator.testsupport.WithTaskMicroservices;

/**
 * Files deleted or changed under a running experiment, through the shipped task microservices and
 * real jobs: the task about to read them finds them lost before it runs, and exactly the tasks that
 * wrote them run again, then the reader, and the experiment's results are right.
 */
@WithTaskMicroservices
class LostDataIT {

  private static final Duration RUN = Duration.ofSeconds(90);
  private static final Path WORKSPACE = Path.of("target/it-workspace").toAbsolutePath();
  private static final Path PROGRAMS = Path.of("target/it-programs").toAbsolutePath();
  private static final Path SHIPPED = Path.of("../task-modules/job-submission/programs").toAbsolutePath().normalize();
  private static final Path WORDS = WORKSPACE.resolve("sources/lost-words.txt");

  @Value("${local.server.port}")
  int port;

  @Autowired
  TemplateService templates;

  @Autowired
  Neo4jClient neo4j;

  @BeforeAll
  static void programsAndInputs() throws Exception {
    Files.createDirectories(WORDS.getParent());
    Files.writeString(WORDS, "the quick brown fox\njumps over the lazy dog\nthe end\nof the story\n");
    Files.createDirectories(PROGRAMS);
    // the shipped map, each run noted, the last chunk's map held until the test opens the gate
    program("gated-map", """
        #!/bin/sh
        out= prev=
        for a in "$@"; do [ "$prev" = --output-dir ] && out="$a"; prev="$a"; done
        workdir="$(dirname "$(dirname "$out")")"
        echo "$(basename "$out")" >> "$workdir/map-runs"
        if [ "$(basename "$out")" = 3 ]; then
          while [ ! -e "$workdir/gate" ]; do sleep 0.1; done
        fi
        exec %s/map "$@"
        """.formatted(SHIPPED));
    StepChain.programs(PROGRAMS);
  }

  private static void program(String name, String text) throws Exception {
    JobPrograms.write(PROGRAMS, name, text);
  }

  private Api api() {
    return new Api(port);
  }

  private Path workdir(String id) {
    return Path.of((String) Api.outputs(api().node(id, "setup")).get("workdir"));
  }

  private static List<String> lines(Path file) {
    try {
      return Files.readAllLines(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @SuppressWarnings("unchecked")
  private List<String> reexecutions(String id, String key) {
    return (List<String>) api().node(id, key).get("reexecutions");
  }

  private String submitMapReduce(String type) {
    return api().submit("""
        {"experimentType": "%s", "inputs": {"input-file": "file://%s", "lines-per-map": 1, "reducers": 2,
         "mapper": "gated-map"}}""".formatted(type, WORDS));
  }

  /** Waits until map[0]'s output is reported, damages it, lets the last map finish, and awaits the end. */
  private Path damageMapOutputMidRun(String id, int map, java.util.function.Consumer<Path> damage) throws IOException {
    api().awaitNode(id, "watch-map[" + map + "]", "SUCCEEDED", RUN);
    var workdir = workdir(id);
    var output = workdir.resolve("maps/" + map + "/map.txt");
    damage.accept(output);
    Files.createFile(workdir.resolve("gate"));
    api().awaitState(id, "COMPLETED", RUN);
    return workdir;
  }

  @SuppressWarnings("unchecked")
  private String wordCounts(String id) {
    var reduced = (List<Map<String, Object>>) Api.outputs(api().node(id, "stage-out")).get("files");
    return reduced.stream().map(file -> String.join("\n", lines(Path.of((String) file.get("path"))))).reduce("",
        (a, b) -> a + "\n" + b);
  }

  private void assertOnlyMapReRan(String id, Path workdir, int map) {
    assertThat(lines(workdir.resolve("map-runs"))).containsExactlyInAnyOrder("0", "1", "2", "3", String.valueOf(map));
    var output = workdir.resolve("maps/" + map + "/map.txt").toString();
    assertThat(reexecutions(id, "map[" + map + "]")).singleElement().asString()
        .contains("re-create " + output + " on local", "lost when reduce[");
    assertThat(reexecutions(id, "watch-map[" + map + "]")).hasSize(1);
    for (var key : List.of("setup", "stage-in", "split", "watch-split", "chunks", "reduce[0]", "reduce[1]", "stage-out")) {
      assertThat(reexecutions(id, key)).as(key).isEmpty();
    }
    for (int other = 0; other < 4; other++) {
      if (other != map) {
        assertThat(reexecutions(id, "map[" + other + "]")).isEmpty();
      }
    }
    assertThat(wordCounts(id)).contains("the 4", "fox 1", "story 1");
  }

  @Test
  void aMapOutputDeletedMidRunIsReCreatedByRunningThatMapAloneAgain() throws Exception {
    var id = submitMapReduce("map-reduce");

    var workdir = damageMapOutputMidRun(id, 0, file -> {
      try {
        Files.delete(file);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    assertOnlyMapReRan(id, workdir, 0);
    // the audit trail says why a reduce waited
    List<String> waits = read(api().get("/api/v1/experiments/" + id + "/events"),
        "$.items[?(@.state == 'WAITING' && @.taskKey =~ /reduce.*/)].detail");
    assertThat(waits).isNotEmpty().allSatisfy(detail -> assertThat(detail)
        .contains("did not run: input " + workdir.resolve("maps/0/map.txt") + " on local is missing"));
    List<String> states = read(api().get("/api/v1/experiments/" + id + "/data"),
        "$.items[?(@.uri == '" + workdir.resolve("maps/0/map.txt") + "')].state");
    assertThat(states).containsExactly("AVAILABLE");
  }

  @Test
  void aMapOutputChangedInPlaceIsFoundByItsChecksumAndReCreated() throws Exception {
    var shipped = Files.readString(Path.of("../master-dags/map-reduce-v2.yaml"));
    var type = "map-reduce-checked";
    templates.register(shipped.replace("type: map-reduce\n", "type: " + type + "\n") + "data: {verify: checksum}\n",
        TemplateParser.Format.YAML);
    var id = submitMapReduce(type);

    var workdir = damageMapOutputMidRun(id, 1, file -> {
      try {
        // same size, other counts: only the checksum tells
        Files.writeString(file, Files.readString(file).replace('1', '7'));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });

    assertOnlyMapReRan(id, workdir, 1);
  }

  @Test
  void threeLostOutputsInAChainReRunExactlyTheirThreeProducers() throws Exception {
    var type = Api.registerTemplate(templates, "lost-chain", StepChain.TEMPLATE);
    var id = api().submit("{\"experimentType\": \"" + type + "\"}");
    api().awaitNode(id, "watch-c", "SUCCEEDED", RUN);
    var workdir = workdir(id);

    for (var name : List.of("a.txt", "b.txt", "c.txt")) {
      Files.delete(workdir.resolve(name));
    }
    Files.createFile(workdir.resolve("gate"));
    api().awaitState(id, "COMPLETED", RUN);

    // d found c.txt gone, c found b.txt gone, b found a.txt gone: each producer ran once more
    assertThat(lines(workdir.resolve("step-runs"))).containsExactly("a.txt", "b.txt", "c.txt", "a.txt", "b.txt", "c.txt",
        "d.txt");
    for (var key : List.of("a", "watch-a", "b", "watch-b", "c", "watch-c")) {
      assertThat(reexecutions(id, key)).as(key).hasSize(1);
    }
    for (var key : List.of("setup", "hold", "watch-hold", "d", "watch-d")) {
      assertThat(reexecutions(id, key)).as(key).isEmpty();
    }
    assertThat(workdir.resolve("d.txt")).hasContent("step a.txt\nstep b.txt\nstep c.txt\nstep d.txt");
    // as Neo4j Browser shows it, with the doc's query
    var reexecuted = neo4j.query(Neo4jBrowserDoc.queries().get("reexecuted")).bind(id).to("experimentId").fetch().all();
    assertThat(reexecuted).extracting(row -> row.get("task"))
        .containsExactly("a", "watch-a", "b", "watch-b", "c", "watch-c");
    assertThat(reexecuted).extracting(row -> row.get("why").toString())
        .anySatisfy(why -> assertThat(why).contains("re-create " + workdir.resolve("c.txt"), "lost when d was to read it"));

    // a rerun from c, after b's output is gone too: b runs again first, then c and what follows it
    Files.delete(workdir.resolve("b.txt"));
    var rerun = api().postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"c\"}");
    assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(202);
    api().awaitState(id, "COMPLETED", RUN);
    assertThat(lines(workdir.resolve("step-runs"))).containsExactly("a.txt", "b.txt", "c.txt", "a.txt", "b.txt",
        "c.txt", "d.txt", "b.txt", "c.txt", "d.txt");
    assertThat(reexecutions(id, "b")).hasSize(2);
    assertThat(reexecutions(id, "a")).hasSize(1);
    assertThat(workdir.resolve("d.txt")).hasContent("step a.txt\nstep b.txt\nstep c.txt\nstep d.txt");
  }

  @Test
  @SuppressWarnings("unchecked")
  void anExperimentKeepingOnlyItsOutputsLosesItsIntermediateFilesAndARerunReCreatesThemByLineage() throws Exception {
    var id = api().submit("""
        {"experimentType": "map-reduce", "inputs": {"input-file": "file://%s", "lines-per-map": 1, "reducers": 2},
         "data": {"retain": "outputs"}}""".formatted(WORDS));
    api().awaitState(id, "COMPLETED", RUN);
    var workdir = workdir(id);
    var outputDir = Path.of((String) Api.outputs(api().node(id, "setup")).get("outputDir"));
    var staged = Path.of((String) Api.outputs(api().node(id, "stage-in")).get("path"));
    var copies = ((List<Map<String, Object>>) Api.outputs(api().node(id, "stage-out")).get("files")).stream()
        .map(file -> Path.of((String) file.get("path"))).toList();

    // the output-staging worker deletes them once the experiment has completed
    await().atMost(RUN).until(() -> !Files.exists(workdir.resolve("maps/0/map.txt")));
    for (int map = 0; map < 4; map++) {
      assertThat(workdir.resolve("maps/" + map + "/map.txt")).doesNotExist();
    }
    assertThat(outputDir.resolve("part-0")).doesNotExist();
    assertThat(outputDir.resolve("part-1")).doesNotExist();
    assertThat(staged).doesNotExist();
    // its outputs stay, and so do the chunks, which a map would need to be re-created
    assertThat(copies).hasSize(2).allSatisfy(copy -> assertThat(copy).exists());
    assertThat(workdir.resolve("chunks")).isNotEmptyDirectory();
    List<Map<String, Object>> data = read(api().get("/api/v1/experiments/" + id + "/data"), "$.items");
    assertThat(data).filteredOn(d -> d.get("uri").equals(workdir.resolve("maps/2/map.txt").toString())).singleElement()
        .satisfies(d -> {
          assertThat(d.get("state")).isEqualTo("COLLECTED");
          assertThat(d.get("producedBy")).isEqualTo("watch-map[2]");
          assertThat((List<String>) d.get("consumedBy")).containsExactlyInAnyOrder("reduce[0]", "reduce[1]");
        });
    assertThat(data).filteredOn(d -> copies.get(0).toString().equals(d.get("uri"))).singleElement()
        .extracting(d -> d.get("state")).isEqualTo("AVAILABLE");
    var gone = neo4j.query(Neo4jBrowserDoc.queries().get("data-gone")).bind(id).to("experimentId").fetch().all();
    assertThat(gone).extracting(row -> row.get("file"))
        .contains(workdir.resolve("maps/2/map.txt").toString(), outputDir.resolve("part-0").toString(), staged.toString());
    assertThat(gone).extracting(row -> row.get("state")).containsOnly("COLLECTED");

    // the reduces again: each map is re-created first, from the chunks, and the counts come out right
    var rerun = api().postJson("/api/v1/experiments/" + id + "/rerun", "{\"fromTask\": \"reduce\"}");
    assertThat(rerun.statusCode()).as(rerun.body()).isEqualTo(202);
    api().awaitState(id, "COMPLETED", RUN);
    for (int map = 0; map < 4; map++) {
      assertThat(reexecutions(id, "map[" + map + "]")).hasSize(1);
    }
    assertThat(reexecutions(id, "split")).isEmpty();
    assertThat(wordCounts(id)).contains("the 4", "fox 1", "story 1");
  }
}
