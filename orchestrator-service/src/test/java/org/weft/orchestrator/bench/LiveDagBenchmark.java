package org.weft.orchestrator.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.weft.orchestrator.engine.ExperimentService;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * Scale on the real embedded servers: a 1,000-node live DAG and a 10,000-member sweep (one
 * {@code forEach}) instantiated in one transaction each, and a listing of 10,000 experiments that pages without loading them all. Prints
 * medians; asserts nothing about time (the machine is shared). Run it with
 * {@code ./mvnw -pl orchestrator-service -am verify -Pbenchmark}.
 */
@WeftIntegrationTest
class LiveDagBenchmark {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(LiveDagBenchmark.class);

  private static final int LAYERS = 10;
  private static final int WIDTH = 100;
  private static final int EXPERIMENTS = 10_000;
  private static final int SWEEP = 10_000;

  @Value("${local.server.port}")
  int port;

  @Autowired
  TemplateService templates;

  @Autowired
  ExperimentService experiments;

  @Test
  void instantiationAndListing() {
    var api = new Api(port);
    templates.register(thousandTaskTemplate(), TemplateParser.Format.YAML);
    var wide = new LiveDagViews.NewExperiment("bench-thousand", null, "bench", null, "bench", null, 0, null, null);

    for (int i = 0; i < 5; i++) {
      experiments.submit(wide);
    }
    var inProcess = measure(20, () -> experiments.submit(wide));
    var overRest = measure(20, () -> api.submit("{\"experimentType\": \"bench-thousand\"}"));
    var nodes = api.get("/api/v1/experiments/" + api.submit("{\"experimentType\": \"bench-thousand\"}") + "/dag");
    assertThat((List<?>) Api.read(nodes, "$.nodes")).hasSize(LAYERS * WIDTH);

    templates.register("""
        type: bench-sweep
        inputs: [{name: values, type: list, required: true}]
        tasks:
          - {key: setup, taskType: env-setup}
          - {key: run, taskType: env-setup, dependsOn: [setup], forEach: "${inputs.values}", params: {value: "${item}"}}
          - {key: collect, taskType: env-setup, dependsOn: [run], params: {dirs: "${tasks.run.outputs.workdir}"}}
        """, TemplateParser.Format.YAML);
    var sweepBody = "{\"experimentType\": \"bench-sweep\", \"inputs\": {\"values\": ["
        + String.join(",", java.util.stream.IntStream.range(0, SWEEP - 2).mapToObj(Integer::toString).toList()) + "]}}";
    measure(2, () -> api.submit(sweepBody));
    var sweep = measure(5, () -> api.submit(sweepBody));

    templates.register("type: bench-one\ntasks: [{key: only, taskType: env-setup}]\n", TemplateParser.Format.YAML);
    long start = System.nanoTime();
    for (int i = 0; i < EXPERIMENTS; i++) {
      experiments.submit(new LiveDagViews.NewExperiment("bench-one", null, "e" + i, null, "gw-bench", null, 0, null, null));
    }
    double createSeconds = (System.nanoTime() - start) / 1e9;

    var firstPage = measure(20, () -> api.get("/api/v1/experiments?size=50"));
    var deepPage = measure(20, () -> api.get("/api/v1/experiments?size=50&page=199"));
    var filtered = measure(20, () -> api.get("/api/v1/experiments?gatewayId=gw-bench&type=bench-one&size=50&page=100"));
    var total = (Integer) Api.read(api.get("/api/v1/experiments?gatewayId=gw-bench&size=1"), "$.total");
    assertThat(total).isGreaterThanOrEqualTo(EXPERIMENTS);

    var report = """

        ===== Weft live DAG benchmark (embedded Neo4j %s, %d cores) =====
        1,000-node live DAG, one transaction, in process   median %6.1f ms   p90 %6.1f ms
        1,000-node live DAG, POST /api/v1/experiments       median %6.1f ms   p90 %6.1f ms
        %,d-node sweep (forEach), POST /api/v1/experiments  median %6.1f ms   p90 %6.1f ms
        %,d one-node experiments created one by one       %6.1f s  (%.0f per second)
        list page 0 of %,d (50 per page)                    median %6.1f ms   p90 %6.1f ms
        list page 199 (rows 9,950-9,999)                     median %6.1f ms   p90 %6.1f ms
        list filtered by gateway and type, page 100          median %6.1f ms   p90 %6.1f ms
        peak RSS of the JVM (servers and service)            %,d MiB
        ================================================================
        """.formatted("5.26", Runtime.getRuntime().availableProcessors(),
        inProcess.median(), inProcess.p90(), overRest.median(), overRest.p90(), SWEEP, sweep.median(), sweep.p90(),
        EXPERIMENTS, createSeconds, EXPERIMENTS / createSeconds, total,
        firstPage.median(), firstPage.p90(), deepPage.median(), deepPage.p90(), filtered.median(), filtered.p90(),
        Rss.peakMib());
    log.info("{}", report);
  }

  private static String thousandTaskTemplate() {
    var yaml = new StringBuilder("type: bench-thousand\ndescription: 10 layers of 100 tasks\ntasks:\n");
    for (int layer = 0; layer < LAYERS; layer++) {
      for (int i = 0; i < WIDTH; i++) {
        yaml.append("  - {key: t-").append(layer).append('-').append(i).append(", taskType: env-setup");
        if (layer > 0) {
          yaml.append(", dependsOn: [t-").append(layer - 1).append('-').append(i)
              .append(", t-").append(layer - 1).append('-').append((i + 1) % WIDTH).append(']');
        }
        yaml.append("}\n");
      }
    }
    return yaml.toString();
  }

  record Timing(double median, double p90) {}

  private static Timing measure(int runs, Supplier<?> action) {
    var millis = new ArrayList<Double>();
    for (int i = 0; i < runs; i++) {
      long start = System.nanoTime();
      action.get();
      millis.add((System.nanoTime() - start) / 1e6);
    }
    Collections.sort(millis);
    return new Timing(millis.get(runs / 2), millis.get((int) Math.ceil(runs * 0.9) - 1));
  }
}
