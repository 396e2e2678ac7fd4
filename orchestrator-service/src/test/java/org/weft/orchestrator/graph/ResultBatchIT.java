package org.weft.orchestrator.graph;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.orchestrator.template.TemplateParser;
import org.weft.orchestrator.testsupport.OtherInstance;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * A batch of results is applied as applying its results one at a time, in order, would: whatever
 * mix of heartbeats, successes, repeats, stale attempts and failures it holds.
 */
@WeftIntegrationTest
class ResultBatchIT {

  private static final String TEMPLATE = """
      type: result-batch
      tasks:
        - {key: top, taskType: env-setup}
        - {key: left, taskType: env-setup, dependsOn: [top], params: {dir: "${tasks.top.outputs.workdir}/left"}}
        - {key: right, taskType: env-setup, dependsOn: [top]}
        - {key: bottom, taskType: env-setup, dependsOn: [left, right]}
      """;

  @Autowired
  TemplateService templates;

  @Autowired
  LiveDags liveDags;

  @Autowired
  Results results;

  @Autowired
  Launches launches;

  @Autowired
  Timers timers;

  @Autowired
  Interventions interventions;

  @Autowired
  ExperimentMoves moves;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  TransactionTemplate transactions;

  @Value("${weft.zookeeper.connect-string}")
  String connectString;

  private String experimentId;

  /** The dispatches sent so far, by task key: the last one of each is the current attempt. */
  private final Map<String, TaskDispatch> sent = new HashMap<>();

  /**
   * Owns the test's experiment in ZooKeeper, as another live instance would. Without an owner, the
   * engine running in the shared context would adopt the experiment in the middle of a test and
   * write to it concurrently (a deadlock with the test's transaction was seen in CI), and, left
   * behind, send its dispatches to the workers of later tests.
   */
  private OtherInstance otherInstance;

  @BeforeEach
  void launchADiamond() throws Exception {
    templates.register(TEMPLATE, TemplateParser.Format.YAML);
    var template = templates.latest("result-batch").orElseThrow();
    var dag = liveDags.plan(new LiveDagViews.NewExperiment("result-batch", null, "batch", null, "gw", null, 0, null, null),
        template, java.util.Set.of("local"));
    experimentId = dag.id();
    otherInstance = OtherInstance.connect(connectString, "result-batch-it");
    // claimed before it exists, as the engine claims a new experiment
    otherInstance.own(experimentId);
    var launch = transactions.execute(status -> launches.createAndLaunch(List.of(dag), System.currentTimeMillis()));
    launch.dispatches().forEach(dispatch -> sent.put(dispatch.taskKey(), dispatch));
  }

  @AfterEach
  void forgetTheExperiment() throws Exception {
    neo4j.query("""
            MATCH (e:Experiment {id: $id})
            OPTIONAL MATCH (e)-[:HAS_TASK]->(t:TaskNode)
            DETACH DELETE e, t""").bind(experimentId).to("id").run();
    neo4j.query("MATCH (v:Event {experimentId: $id}) DELETE v").bind(experimentId).to("id").run();
    otherInstance.forget(experimentId);
    otherInstance.close();
  }

  @Test
  void aHeartbeatAndTheSuccessOfTheSameAttemptInOneBatchAreBothAppliedAndRecordedInOrder() {
    var batch = apply(running("top"), succeeded("top"));

    assertThat(batch.outcomes()).containsExactly(Outcome.APPLIED, Outcome.APPLIED);
    assertThat(batch.effects().dispatches()).extracting(TaskDispatch::taskKey).containsExactly("left", "right");
    assertThat(taskEvents()).containsExactly("top DISPATCHED", "top RUNNING", "top SUCCEEDED", "left DISPATCHED",
        "right DISPATCHED");
    assertThat(node("top")).containsEntry("state", "SUCCEEDED").containsEntry("isExecuted", true);
  }

  @Test
  void aLaterHeartbeatAloneInABatchMovesTheDeadlineAndRecordsNothing() {
    long now = System.currentTimeMillis();
    applyAt(now, running("top"));
    long firstDeadline = heartbeatDeadline("top");
    var eventsBefore = taskEvents();

    // nothing to record and nothing to dispatch: the statement must still answer
    var batch = applyAt(now + 1_000, running("top"));

    assertThat(batch.outcomes()).containsExactly(Outcome.APPLIED);
    assertThat(batch.effects().dispatches()).isEmpty();
    assertThat(taskEvents()).isEqualTo(eventsBefore);
    assertThat(heartbeatDeadline("top")).isEqualTo(firstDeadline + 1_000);
    assertThat(node("top")).containsEntry("state", "RUNNING").containsEntry("isExecuted", false);
  }

  @Test
  void aDispatchCarriesTheUpstreamOutputsItsContextNames() {
    var batch = apply(succeeded("top"));

    var left = batch.effects().dispatches().stream().filter(dispatch -> dispatch.taskKey().equals("left")).findFirst()
        .orElseThrow();
    assertThat(left.context()).extracting("params").isEqualTo(Map.of("dir", "/work/top/left"));
    // named at creation, so the statement dispatching it brought the outputs along
    var named = neo4j.query("MATCH (t:TaskNode {id: $id}) RETURN t.outputsFrom AS keys")
        .bind(left.taskId()).to("id").fetch().one().orElseThrow().get("keys");
    assertThat(named).isEqualTo(List.of("top"));
  }

  @Test
  void aRepeatAStaleAttemptAndAnUnknownTaskInOneBatchChangeNothing() {
    var current = succeeded("top");
    var stale = new TaskResult("another-dispatch", experimentId, current.taskId(), current.attempt(),
        TaskResult.Status.SUCCEEDED, Map.of(), null, "w", Instant.now());
    var unknown = new TaskResult("d", experimentId, experimentId + ":nowhere", 1, TaskResult.Status.SUCCEEDED, Map.of(),
        null, "w", Instant.now());

    var batch = apply(current, current, stale, unknown);

    assertThat(batch.outcomes()).containsExactly(Outcome.APPLIED, Outcome.DUPLICATE, Outcome.STALE, Outcome.UNKNOWN);
    assertThat(batch.effects().dispatches()).extracting(TaskDispatch::taskKey).containsExactly("left", "right");
    assertThat(taskEvents()).containsExactly("top DISPATCHED", "top SUCCEEDED", "left DISPATCHED", "right DISPATCHED");
  }

  @Test
  void aFanInWhoseInputsSucceedInOneBatchIsDispatchedOnce() {
    apply(succeeded("top"));

    var batch = apply(succeeded("left"), succeeded("right"));

    assertThat(batch.outcomes()).containsOnly(Outcome.APPLIED);
    assertThat(batch.effects().dispatches()).extracting(TaskDispatch::taskKey).containsExactly("bottom");
    assertThat(node("bottom")).containsEntry("state", "DISPATCHED").containsEntry("attempt", 1L);
  }

  @Test
  void theLastSuccessCompletesTheExperimentWithTheOutputsOfItsSink() {
    apply(succeeded("top"));
    apply(succeeded("left"), succeeded("right"));

    var batch = apply(succeeded("bottom"));

    assertThat(batch.effects().ended()).containsExactly(experimentId);
    assertThat(moves.state(experimentId)).contains(ExperimentState.COMPLETED);
    assertThat(experimentEvents()).last().isEqualTo("COMPLETED");
  }

  @Test
  void aFailureInTheBatchIsAppliedInOrderWithTheOtherResultsOfItsExperiment() {
    apply(succeeded("top"));
    var failure = new TaskResult(sent.get("left").dispatchId(), experimentId, sent.get("left").taskId(), 1,
        TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("disk full", false), "w", Instant.now());

    var batch = apply(running("right"), failure, succeeded("right"));

    assertThat(batch.outcomes()).containsExactly(Outcome.APPLIED, Outcome.APPLIED, Outcome.APPLIED);
    assertThat(batch.effects().dispatches()).isEmpty();
    assertThat(moves.state(experimentId)).contains(ExperimentState.FAILED);
    assertThat(node("right")).containsEntry("state", "SUCCEEDED");
    assertThat(node("bottom")).containsEntry("state", "WAITING");
  }

  @Test
  void resultsOfACancellingExperimentEndItWithoutDispatchingAnything() {
    transactions.executeWithoutResult(status -> interventions.cancel(experimentId, System.currentTimeMillis(), 60_000));

    var batch = apply(running("top"), succeeded("top"));

    assertThat(batch.outcomes()).containsExactly(Outcome.APPLIED, Outcome.APPLIED);
    assertThat(batch.effects().dispatches()).isEmpty();
    assertThat(batch.effects().ended()).containsExactly(experimentId);
    assertThat(moves.state(experimentId)).contains(ExperimentState.CANCELLED);
  }

  @Test
  void aTimeoutThatRacesTheSuccessOfTheSameAttemptFindsItAppliedAndLeavesIt() throws Exception {
    var success = succeeded("top");
    var timeout = new TaskResult(success.dispatchId(), experimentId, success.taskId(), success.attempt(),
        TaskResult.Status.FAILED, Map.of(), new TaskResult.Error("the attempt sent no heartbeat", true), "orchestrator",
        Instant.now());
    var successApplied = new CountDownLatch(1);
    var commitSuccess = new CountDownLatch(1);
    var threads = Executors.newFixedThreadPool(2);
    try {
      // the success holds the node's lock, uncommitted, while the timeout comes in
      var first = threads.submit(() -> transactions.execute(status -> {
        var batch = results.applyAll(List.of(success), System.currentTimeMillis());
        successApplied.countDown();
        await().atMost(Duration.ofSeconds(30)).until(() -> commitSuccess.await(10, TimeUnit.MILLISECONDS));
        return batch;
      }));
      successApplied.await(30, TimeUnit.SECONDS);
      var second = threads.submit(() -> transactions.execute(status ->
          results.applyAll(List.of(timeout), System.currentTimeMillis())));
      await().atMost(Duration.ofSeconds(30)).until(this::aTransactionIsBlocked);
      commitSuccess.countDown();

      assertThat(first.get(30, TimeUnit.SECONDS).outcomes()).containsExactly(Outcome.APPLIED);
      assertThat(second.get(30, TimeUnit.SECONDS).outcomes()).containsExactly(Outcome.DUPLICATE);
    } finally {
      commitSuccess.countDown();
      threads.shutdownNow();
    }
    assertThat(node("top")).containsEntry("state", "SUCCEEDED").containsEntry("isExecuted", true);
    var retries = transactions.execute(status ->
        timers.dueRetries(java.util.Set.of(experimentId), System.currentTimeMillis() + 3_600_000));
    assertThat(retries.dispatches()).isEmpty();
  }

  @Test
  void aBatchLeavesExactlyTheStateItsResultsLeaveOneByOne() throws Exception {
    // a second diamond gets the same results one at a time, at the same clock
    var template = templates.latest("result-batch").orElseThrow();
    var other = liveDags.plan(new LiveDagViews.NewExperiment("result-batch", null, "batch", null, "gw", null, 0, null, null),
        template, java.util.Set.of("local"));
    otherInstance.own(other.id());
    var sentOther = new HashMap<String, TaskDispatch>();
    transactions.execute(status -> launches.createAndLaunch(List.of(other), System.currentTimeMillis()))
        .dispatches().forEach(d -> sentOther.put(d.taskKey(), d));
    try {
      long now = System.currentTimeMillis();
      var steps = List.of(
          List.of("running top", "succeeded top", "succeeded top"),
          List.of("running left", "succeeded left", "running right", "succeeded right", "succeeded left"),
          List.of("running bottom", "succeeded bottom"));
      for (var step : steps) {
        now += 1_000;
        long at = now;
        var together = applyAt(at, step.stream().map(r -> result(experimentId, sent, r)).toArray(TaskResult[]::new));
        var oneByOne = new java.util.ArrayList<Outcome>();
        var dispatchedOneByOne = new java.util.ArrayList<String>();
        for (var r : step) {
          var single = transactions.execute(status -> results.applyAll(List.of(result(other.id(), sentOther, r)), at));
          oneByOne.addAll(single.outcomes());
          single.effects().dispatches().forEach(d -> {
            sentOther.put(d.taskKey(), d);
            dispatchedOneByOne.add(d.taskKey());
          });
        }

        assertThat(together.outcomes()).as("outcomes of %s", step).isEqualTo(oneByOne);
        assertThat(together.effects().dispatches()).extracting(TaskDispatch::taskKey).as("dispatched by %s", step)
            .containsExactlyInAnyOrderElementsOf(dispatchedOneByOne);
        assertThat(snapshot(experimentId)).as("state after %s", step).isEqualTo(snapshot(other.id()));
      }
      assertThat(moves.state(experimentId)).contains(ExperimentState.COMPLETED);
    } finally {
      neo4j.query("""
              MATCH (e:Experiment {id: $id})
              OPTIONAL MATCH (e)-[:HAS_TASK]->(t:TaskNode)
              DETACH DELETE e, t""").bind(other.id()).to("id").run();
      neo4j.query("MATCH (v:Event {experimentId: $id}) DELETE v").bind(other.id()).to("id").run();
      otherInstance.forget(other.id());
    }
  }

  /** "running top", "succeeded left": a result of the current attempt of a node of {@code experiment}. */
  private static TaskResult result(String experiment, Map<String, TaskDispatch> sentTo, String what) {
    var parts = what.split(" ");
    var dispatch = sentTo.get(parts[1]);
    var running = parts[0].equals("running");
    return new TaskResult(dispatch.dispatchId(), experiment, dispatch.taskId(), dispatch.attempt(),
        running ? TaskResult.Status.RUNNING : TaskResult.Status.SUCCEEDED,
        running ? Map.of() : Map.of("done", parts[1], "workdir", "/work/" + parts[1]), null, "w", Instant.ofEpochMilli(0));
  }

  /** What an experiment's state is made of, without its ids: nodes, experiment, audit trail. */
  private Map<String, Object> snapshot(String id) {
    var nodes = neo4j.query("""
            MATCH (e:Experiment {id: $id})-[:HAS_TASK]->(t:TaskNode)
            RETURN t.key AS key, t.state AS state, t.attempt AS attempt, t.isExecuted AS isExecuted,
                   t.outputs AS outputs, t.heartbeatDeadline AS heartbeat, t.timeLimitDeadline AS timeLimit,
                   t.wakeAt AS wakeAt ORDER BY key""").bind(id).to("id").fetch().all();
    var experiment = neo4j.query("MATCH (e:Experiment {id: $id}) RETURN e.state AS state, e.outputs AS outputs")
        .bind(id).to("id").fetch().one().orElseThrow();
    var events = liveDags.events(id).orElseThrow().stream()
        .map(event -> event.type() + " " + event.taskKey() + " " + event.state()).toList();
    return Map.of("nodes", List.copyOf(nodes), "experiment", experiment, "events", events);
  }

  private boolean aTransactionIsBlocked() {
    return neo4j.query("SHOW TRANSACTIONS YIELD status WHERE status STARTS WITH 'Blocked' RETURN count(*) > 0")
        .fetchAs(Boolean.class).one().orElse(false);
  }

  private Results.Batch apply(TaskResult... batch) {
    return applyAt(System.currentTimeMillis(), batch);
  }

  private Results.Batch applyAt(long nowMillis, TaskResult... batch) {
    var applied = transactions.execute(status -> results.applyAll(List.of(batch), nowMillis));
    remember(applied.effects());
    return applied;
  }

  private void remember(Effects effects) {
    effects.dispatches().forEach(dispatch -> sent.put(dispatch.taskKey(), dispatch));
  }

  private TaskResult running(String key) {
    var dispatch = sent.get(key);
    return new TaskResult(dispatch.dispatchId(), experimentId, dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.RUNNING, Map.of(), null, "w", Instant.now());
  }

  private TaskResult succeeded(String key) {
    var dispatch = sent.get(key);
    return new TaskResult(dispatch.dispatchId(), experimentId, dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.SUCCEEDED, Map.of("done", key, "workdir", "/work/" + key), null, "w", Instant.now());
  }

  private Map<String, Object> node(String key) {
    return neo4j.query("MATCH (t:TaskNode {id: $id}) RETURN t.state AS state, t.isExecuted AS isExecuted, t.attempt AS attempt")
        .bind(LiveDagPlan.taskId(experimentId, key)).to("id").fetch().one().orElseThrow();
  }

  private long heartbeatDeadline(String key) {
    return neo4j.query("MATCH (t:TaskNode {id: $id}) RETURN t.heartbeatDeadline AS deadline")
        .bind(LiveDagPlan.taskId(experimentId, key)).to("id").fetchAs(Long.class).one().orElseThrow();
  }

  private List<String> taskEvents() {
    return liveDags.events(experimentId).orElseThrow().stream().filter(event -> event.type().equals("task.state"))
        .map(event -> event.taskKey() + " " + event.state()).toList();
  }

  private List<String> experimentEvents() {
    return liveDags.events(experimentId).orElseThrow().stream().filter(event -> event.type().equals("experiment.state"))
        .map(LiveDagViews.Event::state).toList();
  }
}
