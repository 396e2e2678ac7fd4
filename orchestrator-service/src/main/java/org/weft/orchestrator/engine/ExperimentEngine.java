package org.weft.orchestrator.engine;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.SmartLifecycle;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.coordination.ExperimentOwnership;
import org.weft.orchestrator.coordination.WorkerDirectory;
import org.weft.orchestrator.engine.GroupCommit;
import org.weft.orchestrator.graph.Effects;
import org.weft.orchestrator.graph.ExperimentMoves;
import org.weft.orchestrator.graph.Interventions;
import org.weft.orchestrator.graph.Launches;
import org.weft.orchestrator.graph.LiveDags;
import org.weft.orchestrator.graph.NewerTemplateException;
import org.weft.orchestrator.graph.Results;
import org.weft.orchestrator.graph.Timers;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.Outcome;
import org.weft.orchestrator.messaging.TaskDispatcher;
import org.weft.task.api.TaskControl;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * Drives live DAGs. Every change is one Neo4j transaction; what it asks to send (dispatches,
 * commands) goes to Kafka only after the commit, so a crash never sends what was not recorded. The
 * instance owning an experiment in ZooKeeper launches and resumes it and runs its timers; results
 * are applied by whichever instance consumes them, in transactions that check the attempt.
 */
@Component
public class ExperimentEngine implements SmartLifecycle {

  private static final Logger log = LoggerFactory.getLogger(ExperimentEngine.class);

  private final Launches takeInHand;
  private final Results resultStore;
  private final Timers due;
  private final Interventions interventions;
  private final ExperimentMoves experiments;
  private final ExperimentOwnership ownership;
  private final WorkerDirectory workers;
  private final TaskDispatcher dispatcher;
  private final TransactionTemplate transactions;
  private final EngineProperties properties;
  private final MeterRegistry meters;
  private final ApplicationEventPublisher events;
  private final AtomicInteger ownedGauge;
  private final Timer launchTimer;
  private final Timer batchTimer;
  private final Timer sendTimer;
  private final DistributionSummary batchSize;
  private volatile ScheduledExecutorService timers;
  private static final int TRANSIENT_ATTEMPTS = 5;
  private static final Duration OWNER_CHECKS_TIMEOUT = Duration.ofSeconds(30);

  /** Submissions that arrive together are created and launched in one transaction. */
  private final GroupCommit<LiveDags.NewLiveDag, Created> creates = new GroupCommit<>(CREATE_BATCH, this::createAll);
  private static final int CREATE_BATCH = 64;

  private final BlockingQueue<Launch> launches = new LinkedBlockingQueue<>();
  private final Set<String> launching = ConcurrentHashMap.newKeySet();
  private final Unsent unsent = new Unsent();
  private volatile Thread launcher;

  ExperimentEngine(Launches takeInHand, Results resultStore, Timers due, Interventions interventions,
      ExperimentMoves experiments, ExperimentOwnership ownership, WorkerDirectory workers, TaskDispatcher dispatcher,
      TransactionTemplate transactions, EngineProperties properties, MeterRegistry meters,
      ApplicationEventPublisher events) {
    this.events = events;
    this.takeInHand = takeInHand;
    this.resultStore = resultStore;
    this.due = due;
    this.interventions = interventions;
    this.experiments = experiments;
    this.ownership = ownership;
    this.workers = workers;
    this.dispatcher = dispatcher;
    this.transactions = transactions;
    this.properties = properties;
    this.meters = meters;
    this.ownedGauge = meters.gauge("weft.experiments.owned", new AtomicInteger());
    meters.gauge("weft.engine.unsent", unsent, Unsent::size);
    this.launchTimer = Timer.builder("weft.engine.launch")
        .description("creating and launching a batch of new experiments in one transaction, or launching a batch of relaunched ones")
        .register(meters);
    this.batchTimer = Timer.builder("weft.engine.results.batch")
        .description("applying one batch of results in one Neo4j transaction, commit included").register(meters);
    this.sendTimer = Timer.builder("weft.engine.send")
        .description("sending the dispatches and commands of one change until Kafka has them").register(meters);
    this.batchSize = DistributionSummary.builder("weft.engine.results.batch.size")
        .description("results applied in one transaction").register(meters);
  }

  /**
   * Creates a new experiment and launches it in the same transaction: its live DAG is written, it
   * moves to {@code EXECUTING} and its root nodes are marked dispatched. Submissions that arrive
   * together share that transaction (group commit). Each submission first claims its experiment in
   * ZooKeeper, on the caller's thread, so claims of concurrent submissions travel together and the
   * transaction does not wait for them: an experiment is never committed as executing without its
   * owner node, so no other instance can take a new experiment for an orphan. After the commit the
   * dispatches go out in the background and the caller has its answer. Should the claim fail
   * (ZooKeeper unreachable), the experiment is still accepted, executing without an owner, and
   * reconciliation (here or on another instance) adopts it and sends its dispatches.
   *
   * @return the state the experiment is in now
   */
  public ExperimentState submit(LiveDags.NewLiveDag dag) {
    int running = ownership.ownedCount() + launching.size();
    if (running >= properties.maxRunning()) {
      meters.counter("weft.experiments.refused").increment();
      throw new OverloadedException(running, properties.retryAfter());
    }
    // claimed before it exists in Neo4j: reconciliation must not release the claim meanwhile
    launching.add(dag.id());
    try {
      boolean claimed = ownership.claimNew(dag.id());
      Created created;
      try {
        created = creates.submit(dag);
        if (created.state() == null) {
          throw new NewerTemplateException(dag.id(), (String) dag.experiment().get("type"));
        }
      } catch (RuntimeException e) {
        if (claimed) {
          // nothing was written: the marker would claim an experiment that does not exist
          ownership.release(dag.id());
        }
        throw e;
      }
      if (claimed) {
        carryOut(created.effects());
      } else {
        log.warn("Experiment {} was created but not claimed; whoever adopts it sends its dispatches", dag.id());
      }
      return created.state();
    } finally {
      launching.remove(dag.id());
    }
  }

  /** A created experiment's state, and what its launch sends. */
  private record Created(ExperimentState state, Effects effects) {}

  /** Those left out because their template has a newer version now have no state. */
  private List<Created> createAll(List<LiveDags.NewLiveDag> dags) {
    var sample = Timer.start();
    var launched = inTransaction(() -> takeInHand.createAndLaunch(dags, System.currentTimeMillis()));
    sample.stop(launchTimer);
    var dispatches = launched.dispatches().stream().collect(Collectors.groupingBy(TaskDispatch::experimentId));
    var controls = launched.controls().stream().collect(Collectors.groupingBy(TaskControl::experimentId));
    return dags.stream().map(dag -> new Created(
        launched.created().contains(dag.id()) ? launched.ended().getOrDefault(dag.id(), ExperimentState.EXECUTING) : null,
        new Effects(Outcome.APPLIED, dispatches.getOrDefault(dag.id(), List.of()), controls.getOrDefault(dag.id(), List.of()),
            launched.ended().containsKey(dag.id()) ? Set.of(dag.id()) : Set.of()))).toList();
  }

  /**
   * Takes a relaunched experiment (a rerun) in hand, unless another instance already did, and
   * returns its state: claims it, then launches it. Launches that arrive together share one
   * transaction (group launch); one that takes longer than {@code launchWait} is answered with the
   * recorded state and goes on.
   */
  public ExperimentState launch(String experimentId) {
    var request = new Launch(experimentId, new CompletableFuture<>());
    if (launcher != null) {
      launching.add(experimentId);
      launches.add(request);
      try {
        var state = request.state().get(properties.launchWait().toMillis(), TimeUnit.MILLISECONDS);
        if (state != null) {
          return state;
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } catch (ExecutionException | TimeoutException e) {
        log.info("Launch of experiment {} still under way: {}", experimentId, e.toString());
      }
    }
    return experiments.state(experimentId).orElse(ExperimentState.CREATED);
  }

  private record Launch(String experimentId, CompletableFuture<ExperimentState> state) {}

  private void launchLoop() {
    while (launcher != null) {
      var batch = new ArrayList<Launch>();
      try {
        var first = launches.poll(200, TimeUnit.MILLISECONDS);
        if (first == null) {
          continue;
        }
        batch.add(first);
        launches.drainTo(batch, properties.launchBatch() - 1);
        launchAll(batch);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        // the experiments are recorded, and owned: the next reconciliation launches them again
        log.warn("Launching {} experiments failed, trying again shortly: {}", batch.size(), e.toString());
      } finally {
        batch.forEach(launch -> {
          launching.remove(launch.experimentId());
          launch.state().complete(null);
        });
      }
    }
  }

  private void launchAll(List<Launch> batch) {
    var sample = Timer.start();
    var claimed = new ArrayList<String>();
    for (var launch : batch) {
      try (var ignored = MDC.putCloseable("experimentId", launch.experimentId())) {
        if (ownership.claim(launch.experimentId())) {
          claimed.add(launch.experimentId());
        }
      }
    }
    if (!claimed.isEmpty()) {
      var recovery = inTransaction(() -> takeInHand.recoverAll(claimed, System.currentTimeMillis()));
      log.info("{} experiments launched: {} dispatches sent", claimed.size(), recovery.effects().dispatches().size());
      carryOut(recovery.effects());
      batch.forEach(launch -> launch.state().complete(recovery.states().get(launch.experimentId())));
    }
    sample.stop(launchTimer);
  }

  /** Stops an experiment; see {@link Interventions#cancel}. */
  public void cancel(String experimentId) {
    try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
      var effects = inTransaction(() ->
          interventions.cancel(experimentId, System.currentTimeMillis(), properties.cancelGrace().toMillis()));
      log.info("Experiment {} cancelling", experimentId);
      carryOut(effects);
    }
  }

  /** Runs a finished experiment again from its failed tasks or from {@code fromTask}; returns the keys reset. */
  public List<String> rerun(String experimentId, String fromTask) {
    try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
      var reset = inTransaction(() -> interventions.prepareRerun(experimentId, fromTask));
      log.info("Experiment {} rerun: {} tasks reset", experimentId, reset.size());
      launch(experimentId);
      return reset;
    }
  }

  /** Applies a batch of worker results in one transaction, then sends what they made ready. */
  public void onResults(List<TaskResult> results) {
    if (results.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    var batch = batchTimer.record(() -> inTransaction(() -> resultStore.applyAll(results, now)));
    batchSize.record(results.size());
    for (int i = 0; i < results.size(); i++) {
      var result = results.get(i);
      var outcome = batch.outcomes().get(i);
      meters.counter("weft.task.results", "outcome", outcome.name().toLowerCase(),
          "status", result.status().name().toLowerCase()).increment();
      if (outcome != Outcome.APPLIED) {
        log.debug("Result {} of task {} ignored: {}", result.dispatchId(), result.taskId(), outcome);
      }
    }
    var effects = batch.effects();
    carryOut(effects);
  }

  /**
   * Runs work in one Neo4j transaction, again when Neo4j reports a transient failure such as a
   * deadlock between two transactions (it aborts one of them; nothing of it was committed).
   */
  private <T> T inTransaction(Supplier<T> work) {
    for (int attempt = 1; ; attempt++) {
      try {
        return transactions.execute(status -> work.get());
      } catch (TransientDataAccessException e) {
        if (attempt >= TRANSIENT_ATTEMPTS) {
          throw e;
        }
        log.debug("Transient Neo4j failure, attempt {} of {}: {}", attempt, TRANSIENT_ATTEMPTS, e.toString());
        LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(ThreadLocalRandom.current().nextLong(5, 50L * attempt)));
      }
    }
  }

  private void resume(String experimentId) {
    var effects = inTransaction(() -> takeInHand.recover(experimentId, System.currentTimeMillis()));
    log.info("Experiment {} taken in hand: {} dispatches sent", experimentId, effects.dispatches().size());
    carryOut(effects);
  }

  private void carryOut(Effects effects) {
    if (!effects.dispatches().isEmpty() || !effects.controls().isEmpty()) {
      // not waited for: the caller goes on to its next batch while the broker acknowledges this one
      var sample = Timer.start();
      dispatcher.sendAsync(effects.dispatches(), effects.controls()).whenComplete((ignored, failure) -> {
        sample.stop(sendTimer);
        if (failure != null) {
          // committed already: applying the change again would find nothing to do, so keep what it must send
          unsent.add(effects.dispatches(), effects.controls());
          log.warn("Kafka did not take {} dispatches and {} commands; sending them again shortly: {}",
              effects.dispatches().size(), effects.controls().size(), failure.toString());
        }
      });
    }
    for (var ended : effects.ended()) {
      ownership.release(ended);
      log.debug("Experiment {} ended", ended);
    }
    if (!effects.ended().isEmpty()) {
      // the children among them answer their parents' nodes (SubWorkflows)
      events.publishEvent(new SubWorkflows.Ended(Set.copyOf(effects.ended())));
    }
  }

  /** Timed-out attempts, due retries and stragglers of the experiments this instance owns. */
  void tick() {
    if (!unsent.isEmpty()) {
      try {
        log.info("Sent {} changes that Kafka had not taken", unsent.resend(dispatcher::send, ownership::owns));
      } catch (RuntimeException e) {
        log.warn("Kafka still does not take {} waiting changes: {}", unsent.size(), e.toString());
      }
    }
    var owned = ownership.owned();
    ownedGauge.set(owned.size());
    if (owned.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    var expired = inTransaction(() -> due.expired(owned, now));
    if (!expired.isEmpty()) {
      log.info("{} attempts timed out", expired.size());
      onResults(expired);
    }
    carryOut(inTransaction(() -> due.dueRetries(owned, now)));
    carryOut(inTransaction(() -> due.stragglers(owned, now)));
    var queued = inTransaction(() -> due.longQueued(owned, now));
    if (!queued.isEmpty()) {
      redeliver(queued);
    }
  }

  /**
   * Sends again attempts that have waited long for a worker, with their own ids, where a worker of
   * their task type is registered in ZooKeeper: one that has the attempt already answers with it, so
   * nothing runs twice, and a dispatch that was lost on its way is not waited for forever. Where no
   * worker of the type lives, the dispatch is still in its topic for the first one to start: it
   * waits, and the log and {@code weft.task.waiting} say why. Waiting never fails an attempt.
   */
  private void redeliver(List<TaskDispatch> queued) {
    Set<String> live;
    try {
      live = workers.liveTaskTypes();
    } catch (Exception e) {
      log.debug("Cannot read the worker registry; sending {} long-queued dispatches again: {}", queued.size(),
          e.toString());
      live = null;
    }
    var again = new ArrayList<TaskDispatch>();
    var waiting = new TreeMap<String, Integer>();
    for (var dispatch : queued) {
      if (live == null || live.contains(dispatch.taskType())) {
        again.add(dispatch);
      } else {
        waiting.merge(dispatch.taskType(), 1, Integer::sum);
      }
    }
    if (!again.isEmpty()) {
      log.info("{} attempts waited for a worker longer than redeliver-after; their dispatches are sent again", again.size());
      again.forEach(d -> meters.counter("weft.task.redeliveries", "task.type", d.taskType()).increment());
      carryOut(new Effects(Outcome.APPLIED, again, List.of(), Set.of()));
    }
    waiting.forEach((type, count) -> {
      log.warn("{} attempts of task type {} are waiting: no live worker of that type is registered", count, type);
      meters.counter("weft.task.waiting", "task.type", type, "reason", "no-worker").increment(count);
    });
  }

  /**
   * Adopts every active experiment that has no live owner: new ones whose launch was lost, and
   * those of instances that died. Also forgets experiments that ended elsewhere.
   */
  void reconcile() {
    // in this order: what was owned and not being launched before the read has been committed
    var ownedBefore = ownership.owned();
    var launchingBefore = Set.copyOf(launching);
    var active = experiments.active();
    for (var owned : ownedBefore) {
      if (!active.containsKey(owned) && !launchingBefore.contains(owned)) {
        ownership.release(owned);
      }
    }
    removeOrphanMarkers(active.keySet(), launchingBefore);
    var others = new ArrayList<String>();
    for (var entry : active.entrySet()) {
      var experimentId = entry.getKey();
      if (ownership.owns(experimentId)) {
        var state = entry.getValue();
        if ((state == ExperimentState.CREATED || state == ExperimentState.LAUNCHED) && launching.add(experimentId)) {
          // ours, but its launch failed (the launch in progress holds it in launching)
          launches.add(new Launch(experimentId, new CompletableFuture<>()));
        }
      } else {
        others.add(experimentId);
      }
    }
    Set<String> ownerless;
    try {
      ownerless = others.isEmpty() ? Set.of() : ownership.ownerless(others, OWNER_CHECKS_TIMEOUT);
    } catch (Exception e) {
      log.warn("Cannot check the owners of {} running experiments now: {}", others.size(), e.toString());
      return;
    }
    for (var experimentId : others) {
      // what looked ownerless may have been launched here since: a launch holds it in launching
      if (!ownerless.contains(experimentId) || launching.contains(experimentId) || ownership.owns(experimentId)) {
        continue;
      }
      try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
        if (ownership.adopt(experimentId)) {
          log.info("Adopting experiment {}, which had no live owner", experimentId);
          resume(experimentId);
        }
      } catch (Exception e) {
        log.warn("Cannot adopt experiment {} now: {}", experimentId, e.toString());
      }
    }
  }

  /**
   * Removes the markers left by an instance that died after claiming new experiments and before
   * creating them: no owner, and no such experiment running. One that does run after all (created
   * after the read) is adopted on the next round, with a new marker.
   */
  private void removeOrphanMarkers(Set<String> active, Set<String> launchingBefore) {
    var candidates = new ArrayList<String>();
    for (var experimentId : ownership.markers()) {
      if (!active.contains(experimentId) && !launchingBefore.contains(experimentId) && !ownership.owns(experimentId)) {
        candidates.add(experimentId);
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    try {
      for (var experimentId : ownership.ownerless(candidates, OWNER_CHECKS_TIMEOUT)) {
        if (ownership.removeOrphanMarker(experimentId)) {
          log.info("Removed the running-experiment marker of {}, which neither runs nor has an owner", experimentId);
        }
      }
    } catch (Exception e) {
      log.warn("Cannot check {} running-experiment markers now: {}", candidates.size(), e.toString());
    }
  }

  private void safely(Runnable work, String what) {
    try {
      work.run();
    } catch (RuntimeException e) {
      log.warn("Engine {} failed, trying again on the next round: {}", what, e.toString());
      log.debug("Engine {} failed", what, e);
    }
  }

  @Override
  public void start() {
    var launcherThread = new Thread(this::launchLoop, "weft-launcher");
    launcherThread.setDaemon(true);
    launcher = launcherThread;
    launcherThread.start();
    timers = Executors.newSingleThreadScheduledExecutor(r -> {
      var thread = new Thread(r, "weft-engine");
      thread.setDaemon(true);
      return thread;
    });
    timers.scheduleWithFixedDelay(() -> safely(this::reconcile, "reconciliation"), 0,
        properties.reconcileInterval().toMillis(), TimeUnit.MILLISECONDS);
    timers.scheduleWithFixedDelay(() -> safely(this::tick, "tick"), properties.tickInterval().toMillis(),
        properties.tickInterval().toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void stop() {
    var thread = launcher;
    // not interrupted: it may be inside a transaction of the in-process Neo4j, whose file I/O an
    // interrupt breaks; it sees launcher gone within its next poll
    launcher = null;
    if (thread != null) {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    // submissions still waiting are answered with the recorded state; the next owner launches them
    var waiting = new ArrayList<Launch>();
    launches.drainTo(waiting);
    waiting.forEach(launch -> launch.state().complete(null));
    var current = timers;
    timers = null;
    if (current != null) {
      current.shutdown();
      try {
        current.awaitTermination(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public boolean isRunning() {
    return timers != null;
  }

  @Override
  public int getPhase() {
    // before the Kafka listener containers (MAX_VALUE - 100) and the instance registration (MAX_VALUE):
    // their shutdown comes first, so no result arrives at an engine that is stopping
    return Integer.MAX_VALUE - 1000;
  }
}
