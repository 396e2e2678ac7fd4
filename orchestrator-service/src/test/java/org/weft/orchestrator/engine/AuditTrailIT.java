package org.weft.orchestrator.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.graph.LiveDags;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.testsupport.OtherInstance;
import org.weft.orchestrator.testsupport.Topic;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import tools.jackson.databind.json.JsonMapper;

/** The audit trail in Neo4j and its publication on {@code weft.experiment-events}. */
@WeftIntegrationTest
class AuditTrailIT {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  @Autowired
  LiveDags liveDags;

  @Autowired
  EventRelay publisher;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TransactionTemplate transactions;

  @Value("${spring.kafka.bootstrap-servers}")
  String kafka;

  @Value("${weft.zookeeper.connect-string}")
  String connectString;

  /**
   * Owns the experiments made here in ZooKeeper, as another live instance would: ownerless and
   * executing, the engine running in the shared context would adopt them and write to them.
   */
  private OtherInstance otherInstance;

  private final List<String> made = new ArrayList<>();

  @BeforeEach
  void connectAsAnotherInstance() throws InterruptedException {
    otherInstance = OtherInstance.connect(connectString, "audit-trail-it");
  }

  @AfterEach
  void forgetTheExperimentsMadeHere() throws Exception {
    // the context is shared: other tests list experiments
    neo4j.query("""
            MATCH (n) WHERE (n:Experiment AND n.id STARTS WITH 'audit-') OR (n:Event AND n.experimentId STARTS WITH 'audit-')
            DETACH DELETE n""").run();
    made.forEach(otherInstance::forget);
    otherInstance.close();
  }

  @Test
  void concurrentTransactionsAppendingToOneExperimentNeverShareASequenceNumber() throws Exception {
    var id = experiment("EXECUTING", 0, 0, 0);
    var writers = Executors.newFixedThreadPool(8);
    try {
      var appends = new ArrayList<Future<?>>();
      for (int i = 0; i < 80; i++) {
        var detail = "append " + i;
        appends.add(writers.submit(() -> transactions.executeWithoutResult(status ->
            liveDags.appendEvents(List.of(new LiveDags.PendingEvent(id, "task.state", "t", "RUNNING", detail),
                new LiveDags.PendingEvent(id, "task.state", "t", "SUCCEEDED", detail))))));
      }
      for (var append : appends) {
        append.get();
      }
    } finally {
      writers.shutdown();
    }

    var events = liveDags.events(id).orElseThrow();
    var seqs = events.stream().map(LiveDagViews.Event::seq).toList();
    assertThat(seqs).hasSize(160).doesNotHaveDuplicates().startsWith(1L).endsWith(160L).isSorted();
    // each transaction's two events are consecutive
    var details = events.stream().map(LiveDagViews.Event::detail).toList();
    for (int i = 0; i < details.size(); i += 2) {
      assertThat(details.get(i)).isEqualTo(details.get(i + 1));
    }
  }

  @Test
  void eventsACrashLeftUnpublishedArePublishedByTheSweepInOrderAndOnlyThem() throws Exception {
    try (var events = Topic.follow(kafka, "weft.experiment-events")) {
      // as an instance that died after its commit and before its publication leaves them; the
      // publisher's own sweep, every few seconds, finds them
      var id = experiment("COMPLETED", 4, 1, 0);

      var seqs = new ArrayList<Long>();
      await().atMost(Duration.ofSeconds(30)).until(() -> {
        events.poll(Duration.ofMillis(200)).forEach(record -> {
          if (id.equals(record.key())) {
            seqs.add(((Number) ((Map<?, ?>) JSON.readValue(record.value(), Map.class).get("data")).get("seq")).longValue());
          }
        });
        return seqs.size() >= 3;
      });
      assertThat(seqs).containsExactly(2L, 3L, 4L);
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(marks(id))
          .as("published up to the last, and an ended experiment leaves the sweep's index")
          .containsEntry("published", 4L).containsEntry("pending", null));
    }
  }

  @Test
  void recentEventsAreLeftToTheInstanceThatWroteThem() {
    var id = experiment("EXECUTING", 2, 0, System.currentTimeMillis());

    publisher.sweep();

    assertThat(neo4j.query("MATCH (e:Experiment {id: $id}) RETURN e.publishedSeq").bind(id).to("id")
        .fetchAs(Long.class).one()).contains(0L);
  }

  private Map<String, Object> marks(String id) {
    return neo4j.query("MATCH (e:Experiment {id: $id}) RETURN e.publishedSeq AS published, e.eventsPending AS pending")
        .bind(id).to("id").fetch().one().orElseThrow();
  }

  /**
   * An experiment with {@code events} events, of which the first {@code published} are published,
   * the last written at {@code lastEventAt}.
   */
  private String experiment(String state, int events, int published, long lastEventAt) {
    var id = "audit-" + UUID.randomUUID();
    otherInstance.own(id);
    made.add(id);
    neo4j.query("""
            CREATE (e:Experiment {id: $id, state: $state, eventSeq: $events, publishedSeq: $published,
                                  eventsPending: CASE WHEN $events > $published THEN true ELSE null END,
                                  lastEventAt: $lastEventAt,
                                  createdAt: datetime()})
            WITH e
            UNWIND range(1, $events) AS seq
            CREATE (:Event {experimentId: $id, seq: seq, last: seq, types: ['task.state'], taskKeys: ['t'],
                            states: ['RUNNING'], details: [''], at: datetime()})""")
        .bindAll(Map.of("id", id, "state", state, "events", events, "published", published, "lastEventAt", lastEventAt))
        .run();
    return id;
  }
}
