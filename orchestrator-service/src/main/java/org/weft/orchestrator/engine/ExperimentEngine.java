package org.weft.orchestrator.engine;

import io.micrometer.core.instrument.MeterRegistry;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionTemplate;
import org.weft.orchestrator.coordination.ExperimentOwnership;
import org.weft.orchestrator.dag.ExperimentState;
import org.weft.orchestrator.dag.Executions;
import org.weft.orchestrator.messaging.EventPublisher;
import org.weft.orchestrator.messaging.TaskDispatcher;
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

  private final Executions executions;
  private final ExperimentOwnership ownership;
  private final TaskDispatcher dispatcher;
  private final EventPublisher events;
  private final TransactionTemplate transactions;
  private final EngineProperties properties;
  private final MeterRegistry meters;
  private final AtomicInteger ownedGauge;
  private volatile ScheduledExecutorService timers;

  ExperimentEngine(Executions executions, ExperimentOwnership ownership, TaskDispatcher dispatcher, EventPublisher events,
      TransactionTemplate transactions, EngineProperties properties, MeterRegistry meters) {
    this.executions = executions;
    this.ownership = ownership;
    this.dispatcher = dispatcher;
    this.events = events;
    this.transactions = transactions;
    this.properties = properties;
    this.meters = meters;
    this.ownedGauge = meters.gauge("weft.experiments.owned", new AtomicInteger());
  }

  /** Takes a newly created experiment in hand, unless another instance already did; returns its state. */
  public ExperimentState launch(String experimentId) {
    try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
      if (ownership.claim(experimentId)) {
        resume(experimentId);
      }
    } catch (RuntimeException e) {
      // the experiment is recorded; the next reconciliation of any instance picks it up
      log.warn("Launching experiment {} failed, it will be adopted shortly: {}", experimentId, e.toString());
    }
    return executions.state(experimentId).orElse(ExperimentState.CREATED);
  }

  /** Stops an experiment; see {@link Executions#cancel}. */
  public void cancel(String experimentId) {
    try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
      var effects = transactions.execute(status ->
          executions.cancel(experimentId, System.currentTimeMillis(), properties.cancelGrace().toMillis()));
      log.info("Experiment {} cancelling", experimentId);
      carryOut(effects);
    }
  }

  /** Runs a finished experiment again from its failed tasks or from {@code fromTask}; returns the keys reset. */
  public List<String> rerun(String experimentId, String fromTask) {
    try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
      var reset = transactions.execute(status -> executions.prepareRerun(experimentId, fromTask));
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
    var effects = transactions.execute(status -> {
      var all = new ArrayList<Executions.Effects>();
      for (var result : results) {
        var applied = executions.apply(result, now);
        meters.counter("weft.task.results", "outcome", applied.outcome().name().toLowerCase(),
            "status", result.status().name().toLowerCase()).increment();
        if (applied.outcome() != Executions.Outcome.APPLIED) {
          log.debug("Result {} of task {} ignored: {}", result.dispatchId(), result.taskId(), applied.outcome());
        }
        all.add(applied);
      }
      return Executions.Effects.merge(all);
    });
    carryOut(effects);
  }

  private void resume(String experimentId) {
    var effects = transactions.execute(status -> executions.recover(experimentId, System.currentTimeMillis()));
    log.info("Experiment {} taken in hand: {} dispatches sent", experimentId, effects.dispatches().size());
    carryOut(effects);
  }

  private void carryOut(Executions.Effects effects) {
    dispatcher.send(effects.dispatches(), effects.controls());
    for (var ended : effects.ended()) {
      ownership.release(ended);
      log.info("Experiment {} ended", ended);
    }
    events.requestFlush();
  }

  /** Timed-out attempts and due retries of the experiments this instance owns. */
  void tick() {
    var owned = ownership.owned();
    ownedGauge.set(owned.size());
    if (owned.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    var expired = transactions.execute(status -> executions.expired(owned, now));
    if (!expired.isEmpty()) {
      log.info("{} attempts timed out", expired.size());
      onResults(expired);
    }
    carryOut(transactions.execute(status -> executions.dueRetries(owned, now)));
  }

  /**
   * Adopts every active experiment that has no live owner: new ones whose launch was lost, and
   * those of instances that died. Also forgets experiments that ended elsewhere.
   */
  void reconcile() {
    var active = new HashSet<>(executions.active());
    for (var owned : ownership.owned()) {
      if (!active.contains(owned)) {
        ownership.release(owned);
      }
    }
    for (var experimentId : active) {
      if (ownership.owns(experimentId)) {
        continue;
      }
      try (var ignored = MDC.putCloseable("experimentId", experimentId)) {
        if (!ownership.hasOwner(experimentId) && ownership.claim(experimentId)) {
          log.info("Adopting experiment {}, which had no live owner", experimentId);
          resume(experimentId);
        }
      } catch (Exception e) {
        log.warn("Cannot adopt experiment {} now: {}", experimentId, e.toString());
      }
    }
  }

  private void safely(Runnable work, String what) {
    try {
      work.run();
    } catch (RuntimeException e) {
      log.warn("Engine {} failed, trying again on the next round: {}", what, e.toString());
    }
  }

  @Override
  public void start() {
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
