package org.weft.orchestrator.training;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.boot.web.server.context.WebServerApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;
import tools.jackson.databind.json.JsonMapper;

/**
 * Runs the training workload once the service is up, then stops the application and the JVM, which
 * then writes its archive. Over HTTP rather than through the engine's classes, so that the web
 * layer, the JSON codecs and the security filters are trained too.
 */
@Component
class TrainingRun {

  static final String CHAIN = "weft-training-chain";
  static final String DIAMOND = "weft-training-diamond";
  private static final Logger log = LoggerFactory.getLogger(TrainingRun.class);
  private static final JsonMapper JSON = JsonMapper.builder().build();
  private static final Duration POLL = Duration.ofMillis(250);

  private final TrainingProperties properties;

  TrainingRun(TrainingProperties properties) {
    this.properties = properties;
  }

  @EventListener
  void onReady(ApplicationReadyEvent event) {
    if (!properties.enabled() || !(event.getApplicationContext() instanceof WebServerApplicationContext web)) {
      return;
    }
    var context = event.getApplicationContext();
    var base = "http://127.0.0.1:" + web.getWebServer().getPort() + "/api/v1";
    var thread = new Thread(() -> exit(context, train(context.getEnvironment(), base)), "weft-training");
    thread.setDaemon(true);
    thread.start();
  }

  /** Runs the workload against the API at {@code base}; the exit status the training start ends with. */
  int train(Environment environment, String base) {
    if (!workloadAllowed(environment)) {
      log.info("Training start: external servers or a secured API are configured, so no workload runs");
      return 0;
    }
    long started = System.nanoTime();
    try {
      var client = new Workload(base, properties.timeout());
      client.register(CHAIN, chain());
      client.register(DIAMOND, diamond());
      client.submitAll(List.of(CHAIN, DIAMOND), properties.experiments(), properties.concurrency());
      client.awaitCompleted(List.of(CHAIN, DIAMOND), properties.experiments(), started + properties.timeout().toNanos());
      log.info("Training start: {} experiments ran in {} s", 2 * properties.experiments(),
          (System.nanoTime() - started) / 1_000_000_000);
      return 0;
    } catch (TrainingFailedException e) {
      log.error("Training start failed: {}", e.getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    }
  }

  /** Only where every server is this process's own, and the API needs no token. */
  static boolean workloadAllowed(Environment environment) {
    var embedded = Set.of(environment.getProperty("weft.embedded.running", "").split(",\\s*"));
    return embedded.containsAll(Set.of("zookeeper", "kafka", "neo4j"))
        && environment.getProperty("weft.access.issuer-uri", "").isBlank();
  }

  private static void exit(ConfigurableApplicationContext context, int status) {
    System.exit(SpringApplication.exit(context, () -> status));
  }

  static String chain() {
    return "type: " + CHAIN + "\ndescription: the launcher's training workload\ntasks:\n"
        + IntStream.rangeClosed(1, 10)
            .mapToObj(i -> "  - {key: t%d, taskType: noop%s}\n".formatted(i, i == 1 ? "" : ", dependsOn: [t" + (i - 1) + "]"))
            .collect(Collectors.joining());
  }

  static String diamond() {
    var middle = IntStream.rangeClosed(1, 8).mapToObj(i -> "m" + i).toList();
    return "type: " + DIAMOND + "\ndescription: the launcher's training workload\ntasks:\n  - {key: top, taskType: noop}\n"
        + middle.stream().map(m -> "  - {key: " + m + ", taskType: noop, dependsOn: [top]}\n").collect(Collectors.joining())
        + "  - {key: bottom, taskType: noop, dependsOn: [" + String.join(", ", middle) + "]}\n";
  }

  /** A user of the REST API, as a gateway would be one. */
  private static final class Workload {

    private final String base;
    private final Duration timeout;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    Workload(String base, Duration timeout) {
      this.base = base;
      this.timeout = timeout;
    }

    void register(String type, String yaml) throws TrainingFailedException, InterruptedException {
      var response = send(HttpRequest.newBuilder(URI.create(base + "/master-dags"))
          .header("Content-Type", "application/yaml").POST(HttpRequest.BodyPublishers.ofString(yaml)));
      if (response.statusCode() != 201 && response.statusCode() != 409) {
        throw new TrainingFailedException("registering " + type + " answered " + response.statusCode() + ": " + response.body());
      }
    }

    void submitAll(List<String> types, int each, int concurrency) throws TrainingFailedException, InterruptedException {
      var pool = Executors.newFixedThreadPool(concurrency);
      try {
        var submitted = new ArrayList<Future<?>>();
        for (int i = 0; i < each; i++) {
          for (var type : types) {
            submitted.add(pool.submit(() -> {
              submit(type);
              return null;
            }));
          }
        }
        for (var future : submitted) {
          future.get();
        }
      } catch (ExecutionException e) {
        throw e.getCause() instanceof TrainingFailedException failed ? failed : new TrainingFailedException(e.getCause().toString());
      } finally {
        pool.shutdownNow();
        pool.awaitTermination(10, TimeUnit.SECONDS);
      }
    }

    private void submit(String type) throws TrainingFailedException, InterruptedException {
      var body = "{\"experimentType\": \"" + type + "\", \"name\": \"training\", \"inputs\": {}}";
      while (true) {
        var response = send(HttpRequest.newBuilder(URI.create(base + "/experiments"))
            .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)));
        if (response.statusCode() == 202) {
          var id = JSON.readTree(response.body()).get("experimentId").asString();
          send(HttpRequest.newBuilder(URI.create(base + "/experiments/" + id)).GET());
          return;
        }
        if (response.statusCode() != 429) {
          throw new TrainingFailedException("a submission answered " + response.statusCode() + ": " + response.body());
        }
        var retryAfter = response.headers().firstValueAsLong("Retry-After").orElse(1);
        TimeUnit.SECONDS.sleep(Math.max(1, retryAfter));
      }
    }

    void awaitCompleted(List<String> types, int each, long deadline) throws TrainingFailedException, InterruptedException {
      for (var type : types) {
        while (total(type, "COMPLETED") < each) {
          if (total(type, "FAILED") > 0) {
            throw new TrainingFailedException("a " + type + " experiment failed");
          }
          if (System.nanoTime() > deadline) {
            throw new TrainingFailedException("the workload did not finish within " + timeout);
          }
          TimeUnit.NANOSECONDS.sleep(POLL.toNanos());
        }
      }
    }

    private long total(String type, String state) throws TrainingFailedException, InterruptedException {
      var response = send(HttpRequest.newBuilder(URI.create(base + "/experiments?type=" + type + "&state=" + state + "&size=1")).GET());
      return JSON.readTree(response.body()).get("total").asLong();
    }

    private HttpResponse<String> send(HttpRequest.Builder request) throws TrainingFailedException, InterruptedException {
      try {
        return http.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new TrainingFailedException("the API did not answer: " + e);
      }
    }
  }

  static final class TrainingFailedException extends Exception {
    TrainingFailedException(String message) {
      super(message);
    }
  }
}
