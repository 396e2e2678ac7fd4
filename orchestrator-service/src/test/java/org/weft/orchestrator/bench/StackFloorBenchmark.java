package org.weft.orchestrator.bench;

import static org.weft.orchestrator.bench.Measures.percentile;
import static org.weft.orchestrator.bench.Measures.processCpuNanos;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.neo4j.driver.Driver;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * The floor under the engine's figures: what the embedded Neo4j and Kafka alone cost per task on this
 * machine, for the least work any design keeping the guarantee must do, with none of Weft's own
 * work. Neo4j: write a 10-task chain (a node per task with a context of a real one's size, an edge
 * per dependency; 64 experiments a transaction), then complete each task and mark its successor
 * dispatched (12 a transaction, the engine's mean batch in the burst), from one thread; no attempt
 * checks, no events, no locks beyond Neo4j's own. Kafka: messages of a dispatch's size through the
 * embedded broker with the orchestrator's producer settings; a task needs at least two (its dispatch
 * and its result), and its state changes are published as events too. Latency: one completion
 * transaction, and one message from producer to consumer, each alone. The CPU figures are the whole
 * JVM's (servers included) and nothing else runs meanwhile but the idle orchestrator; Neo4j's are
 * medians of three rounds after three of warm-up, and the same completion is also measured with
 * other batch sizes, which shows what a transaction costs apart from its rows.
 */
@WeftIntegrationTest
class StackFloorBenchmark {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(StackFloorBenchmark.class);

  private static final int EXPERIMENTS = 200;
  private static final int TASKS = 10;
  private static final int CREATE_BATCH = 64;
  private static final int COMPLETE_BATCH = 12;
  private static final int WARM_UP_ROUNDS = 3;
  private static final int ROUNDS = 3;
  private static final int MESSAGES = 20_000;
  private static final int ALONE = 300;
  private static final String CONTEXT = "{\"command\":{\"template\":[\"simulate\",\"--steps\",\"100\"],\"env\":{}},"
      + "\"inputs\":{\"input-file\":\"file:///data/in.dat\"},\"resources\":{\"cores\":1,\"memory\":\"512MiB\","
      + "\"wallTime\":\"PT10M\"},\"retry\":{\"maxAttempts\":3,\"backoff\":\"PT5S\"},\"timeLimit\":\"PT15M\","
      + "\"heartbeatTimeout\":\"PT60S\",\"taskType\":\"env-setup\",\"parameters\":{}}";

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TransactionTemplate transactions;

  @Autowired
  Driver driver;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Test
  void neo4jAndKafkaAloneCostPerTask() throws Exception {
    neo4j.query("CREATE CONSTRAINT floor_task_id IF NOT EXISTS FOR (t:FloorTask) REQUIRE t.id IS UNIQUE").run();
    neo4j.query("CALL db.awaitIndexes(300)").run();
    int cores = Runtime.getRuntime().availableProcessors();
    var report = new StringBuilder("\n===== Stack floor (embedded Neo4j and Kafka alone, %d cores) =====\n".formatted(cores));
    for (int i = 0; i < WARM_UP_ROUNDS; i++) {
      runNeo4j(EXPERIMENTS, COMPLETE_BATCH); // the JIT: the first rounds cost several times the later ones
    }
    var rounds = new ArrayList<double[]>();
    for (int i = 0; i < ROUNDS; i++) {
      rounds.add(runNeo4j(EXPERIMENTS, COMPLETE_BATCH));
    }
    double create = median(rounds, 0);
    double complete = median(rounds, 1);
    report.append("Neo4j   create a 10-task chain (%d experiments a transaction): %.3f ms CPU per task%n"
        .formatted(CREATE_BATCH, create));
    report.append("Neo4j   complete a task, dispatch the next (%d a transaction):  %.3f ms CPU per task%n"
        .formatted(COMPLETE_BATCH, complete));
    report.append("Neo4j   one completion alone, committed: p50 %.2f ms  p90 %.2f ms%n"
        .formatted(median(rounds, 2), median(rounds, 3)));
    report.append("Neo4j   the same in an auto-commit transaction (over Bolt: 1 round trip, not 3): p50 %.2f ms  p90 %.2f ms%n"
        .formatted(median(rounds, 4), median(rounds, 5)));
    for (int batch : new int[] {1, 50, 200}) {
      report.append("Neo4j   complete a task, dispatch the next (%3d a transaction): %.3f ms CPU per task%n"
          .formatted(batch, runNeo4j(EXPERIMENTS, batch)[1]));
    }
    var kafkaFloor = runKafka();
    report.append("Kafka   one message produced and consumed: %.3f ms CPU per message%n".formatted(kafkaFloor[0]));
    report.append("Kafka   one message alone, producer to consumer: p50 %.2f ms  p90 %.2f ms%n"
        .formatted(kafkaFloor[1], kafkaFloor[2]));
    double perTask = create + complete + 2 * kafkaFloor[0];
    report.append("floor per task (create + complete + 2 messages): %.3f ms CPU: at most %,.0f tasks/s on %d cores%n"
        .formatted(perTask, cores * 1000 / perTask, cores));
    report.append("floor task-to-task (2 messages + 1 completion, medians): %.2f ms%n"
        .formatted(2 * kafkaFloor[1] + median(rounds, 2)));
    report.append("==============================================================\n");
    while (neo4j.query("MATCH (t:FloorTask) WITH t LIMIT 5000 DETACH DELETE t RETURN count(*)")
        .fetchAs(Long.class).one().orElse(0L) > 0) {
      // removed a few thousand at a time: one transaction for all of them needs a lot of heap
    }
    log.info("{}", report);
  }

  /**
   * CPU ms per task creating, CPU ms per task completing, p50 and p90 ms of a completion alone, and
   * the same in an auto-commit transaction.
   */
  private double[] runNeo4j(int experiments, int completeBatch) {
    var chains = new ArrayList<List<String>>();
    for (int e = 0; e < experiments; e++) {
      var ids = new ArrayList<String>();
      for (int t = 0; t < TASKS; t++) {
        ids.add(UUID.randomUUID().toString());
      }
      chains.add(ids);
    }
    long cpu = processCpuNanos();
    for (int from = 0; from < experiments; from += CREATE_BATCH) {
      var batch = chains.subList(from, Math.min(experiments, from + CREATE_BATCH)).stream()
          .map(ids -> Map.<String, Object>of("tasks", ids.stream().map(id -> Map.of("id", id, "context", CONTEXT)).toList()))
          .toList();
      transactions.executeWithoutResult(status -> neo4j.query("""
              UNWIND $chains AS chain
              CALL (chain) {
                UNWIND chain.tasks AS task
                CREATE (t:FloorTask {id: task.id, state: 'WAITING', isExecuted: false, context: task.context})
                WITH collect(t) AS nodes
                UNWIND range(0, size(nodes) - 2) AS i
                WITH nodes[i] AS a, nodes[i + 1] AS b
                CREATE (a)-[:NEXT]->(b)
              }""").bind(batch).to("chains").run());
    }
    double create = (processCpuNanos() - cpu) / 1e6 / (experiments * TASKS);
    cpu = processCpuNanos();
    for (int t = 0; t < TASKS; t++) {
      var current = new ArrayList<String>();
      for (var chain : chains) {
        current.add(chain.get(t));
      }
      for (int from = 0; from < current.size(); from += completeBatch) {
        complete(current.subList(from, Math.min(current.size(), from + completeBatch)));
      }
    }
    double complete = (processCpuNanos() - cpu) / 1e6 / (experiments * TASKS);
    // the chains are done: completing a task again costs what completing it did
    var middles = chains.stream().limit(ALONE).map(chain -> List.of(chain.get(TASKS / 2))).toList();
    var alone = timeEach(middles, this::complete);
    var aloneAutoCommit = timeEach(middles, this::completeAutoCommit);
    return new double[] {create, complete, percentile(alone, 50), percentile(alone, 90),
        percentile(aloneAutoCommit, 50), percentile(aloneAutoCommit, 90)};
  }

  private static final String COMPLETE = """
      UNWIND $ids AS id
      MATCH (t:FloorTask {id: id}) USING INDEX SEEK t:FloorTask(id)
      SET t.state = 'SUCCEEDED', t.isExecuted = true, t.outputs = '{}'
      WITH t
      OPTIONAL MATCH (t)-[:NEXT]->(n:FloorTask)
      SET n.state = 'DISPATCHED', n.dispatchId = randomUUID()
      RETURN n.id AS next, n.context AS context""";

  /** In a transaction begun, run and committed, as the engine's are (three round trips over Bolt). */
  private void complete(List<String> ids) {
    transactions.executeWithoutResult(status -> neo4j.query(COMPLETE).bind(ids).to("ids").fetch().all());
  }

  /** In an auto-commit transaction: the server commits at the end of the statement (one round trip over Bolt). */
  private void completeAutoCommit(List<String> ids) {
    try (var session = driver.session()) {
      session.run(COMPLETE, Map.of("ids", ids)).list();
    }
  }

  /** CPU ms per message, then p50 and p90 ms of one message alone from producer to consumer. */
  private double[] runKafka() throws Exception {
    var topic = "weft.floor-" + System.nanoTime();
    try (var admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka))) {
      admin.createTopics(List.of(new NewTopic(topic, 1, (short) 1))).all().get(30, TimeUnit.SECONDS);
    }
    var producerProps = new Properties();
    producerProps.putAll(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ProducerConfig.ACKS_CONFIG, "all",
        ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true, ProducerConfig.LINGER_MS_CONFIG, 0,
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    var consumerProps = new Properties();
    consumerProps.putAll(Map.of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka, ConsumerConfig.GROUP_ID_CONFIG, topic,
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest", ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 500,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class));
    var value = "{\"dispatchId\":\"%s\",\"context\":%s}".formatted(UUID.randomUUID(), CONTEXT);
    try (var producer = new KafkaProducer<String, String>(producerProps);
         var consumer = new KafkaConsumer<String, String>(consumerProps)) {
      consumer.subscribe(List.of(topic));
      // joined and warm: the first message arrives once the group has its partition
      producer.send(new ProducerRecord<>(topic, "warm", value)).get();
      while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
        // waiting for the assignment
      }
      long cpu = processCpuNanos();
      int received = 0;
      for (int i = 0; i < MESSAGES; i++) {
        producer.send(new ProducerRecord<>(topic, "e" + (i % 200), value));
        if (i % 500 == 499) {
          received += consumer.poll(Duration.ZERO).count();
        }
      }
      producer.flush();
      while (received < MESSAGES) {
        received += consumer.poll(Duration.ofMillis(100)).count();
      }
      double perMessage = (processCpuNanos() - cpu) / 1e6 / MESSAGES;
      var alone = new ArrayList<Double>();
      for (int i = 0; i < ALONE; i++) {
        long start = System.nanoTime();
        producer.send(new ProducerRecord<>(topic, "alone", value));
        while (consumer.poll(Duration.ofMillis(100)).isEmpty()) {
          // until this one message is in
        }
        alone.add((System.nanoTime() - start) / 1e6);
      }
      Collections.sort(alone);
      return new double[] {perMessage, percentile(alone, 50), percentile(alone, 90)};
    }
  }

  /** How long {@code work} took on each of {@code inputs}, one after the other, in ms, sorted. */
  private static <T> List<Double> timeEach(List<T> inputs, java.util.function.Consumer<T> work) {
    var times = new ArrayList<Double>(inputs.size());
    for (var input : inputs) {
      long start = System.nanoTime();
      work.accept(input);
      times.add((System.nanoTime() - start) / 1e6);
    }
    Collections.sort(times);
    return times;
  }

  private static double median(List<double[]> rounds, int index) {
    var values = rounds.stream().mapToDouble(round -> round[index]).sorted().toArray();
    return values[values.length / 2];
  }
}
