package org.weft.orchestrator.engine;

import jakarta.annotation.PreDestroy;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.graph.LiveDags;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.messaging.ResultPublisher;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.template.InvalidInputsException;
import org.weft.task.api.TaskDispatch;
import org.weft.task.api.TaskResult;

/**
 * Runs the tasks of type {@code sub-workflow}: another master DAG as a child experiment. Its
 * dispatch starts the child, submitted like any experiment with the dispatch id as its idempotency
 * key, so a dispatch sent again (after a crash, or the redelivery of a quiet attempt) starts nothing
 * new; the child is linked to its parent ({@code HAS_CHILD}). When the child ends, its end is the
 * node's result, sent to {@code weft.task-results} like a worker's: its outputs on success, a
 * failure that is not retried otherwise. A result lost in a crash is sent again when the parent's
 * dispatch is redelivered and finds the child ended.
 */
@Service
public class SubWorkflows {

  private static final Logger log = LoggerFactory.getLogger(SubWorkflows.class);
  static final String WORKER_ID = "sub-workflow";

  private final ExperimentService experiments;
  private final LiveDags liveDags;
  private final ResultPublisher results;
  private final ThreadPoolExecutor answering = new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
      new LinkedBlockingQueue<>(10_000),
      runnable -> {
        var thread = new Thread(runnable, "weft-sub-workflow-ends");
        thread.setDaemon(true);
        return thread;
      });

  SubWorkflows(ExperimentService experiments, LiveDags liveDags, ResultPublisher results) {
    this.experiments = experiments;
    this.liveDags = liveDags;
    this.results = results;
  }

  /** The experiments that ended together, for the children among them to answer their parents. */
  public record Ended(Set<String> experimentIds) {}

  /** Starts the child experiment a dispatch asks for, unless it was started already. */
  public void start(TaskDispatch dispatch) {
    try (var ignored = MDC.putCloseable("experimentId", dispatch.experimentId());
        var task = MDC.putCloseable("taskId", dispatch.taskId())) {
      var params = dispatch.context().get("params") instanceof Map<?, ?> map ? map : Map.of();
      var type = params.get("type") instanceof String text ? text : null;
      var version = params.get("version") instanceof Number number ? number.intValue() : null;
      var inputs = new LinkedHashMap<String, Object>();
      if (params.get("inputs") instanceof Map<?, ?> given) {
        given.forEach((name, value) -> inputs.put(String.valueOf(name), value));
      }
      var parent = liveDags.find(dispatch.experimentId()).orElse(null);
      if (parent == null || type == null) {
        return;
      }
      var request = new LiveDagViews.NewExperiment(type, version,
          "%s of %s".formatted(dispatch.taskKey(), parent.experimentId()), parent.owner(), parent.gatewayId(),
          parent.submittedBy(), parent.priority(), inputs, "sub-workflow:" + dispatch.dispatchId());
      ExperimentService.Submission child;
      try {
        child = experiments.submit(request);
      } catch (UnknownMasterDagException | InvalidInputsException e) {
        results.send(failure(dispatch, "sub-workflow %s could not start: %s".formatted(type, e.getMessage())));
        return;
      }
      liveDags.linkChild(dispatch.experimentId(), dispatch.taskId(), dispatch.dispatchId(), dispatch.attempt(),
          child.experimentId());
      if (!child.replayed()) {
        log.info("Sub-workflow {} started as experiment {}", dispatch.taskKey(), child.experimentId());
      }
      // a child that ended before it was linked (or whose end was lost) answers now
      answer(Set.of(child.experimentId()));
    }
  }

  /**
   * Looks for children among experiments that ended, on a thread of its own: the thread applying
   * results does not wait for the look-up. An end lost here (the queue full, a crash) is answered
   * when the parent's dispatch is redelivered.
   */
  @EventListener
  void onEnded(Ended ended) {
    try {
      answering.execute(() -> {
        try {
          answer(ended.experimentIds());
        } catch (RuntimeException e) {
          log.warn("Could not answer the parents of {} ended experiments; their redelivery will: {}",
              ended.experimentIds().size(), e.toString());
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("Answering queue full; the parents' redelivery will answer");
    }
  }

  @PreDestroy
  void stop() {
    answering.shutdown();
  }

  private void answer(Set<String> experimentIds) {
    for (var child : liveDags.endedChildren(experimentIds)) {
      results.send(resultOf(child));
    }
  }

  private static TaskResult resultOf(LiveDags.EndedChild child) {
    if (child.state() == ExperimentState.COMPLETED) {
      var outputs = new LinkedHashMap<String, Object>();
      outputs.put("experimentId", child.childId());
      outputs.put("outputs", child.outputs() == null ? Map.of() : child.outputs());
      return new TaskResult(child.parentDispatchId(), child.parentId(), child.parentTaskId(), child.parentAttempt(),
          TaskResult.Status.SUCCEEDED, outputs, null, WORKER_ID, Instant.now());
    }
    var message = "child experiment %s ended %s%s".formatted(child.childId(), child.state(),
        child.reason() == null ? "" : ": " + child.reason());
    return new TaskResult(child.parentDispatchId(), child.parentId(), child.parentTaskId(), child.parentAttempt(),
        TaskResult.Status.FAILED, Map.of("experimentId", child.childId()), new TaskResult.Error(message, false),
        WORKER_ID, Instant.now());
  }

  private static TaskResult failure(TaskDispatch dispatch, String message) {
    return new TaskResult(dispatch.dispatchId(), dispatch.experimentId(), dispatch.taskId(), dispatch.attempt(),
        TaskResult.Status.FAILED, Map.of(), new TaskResult.Error(message, false), WORKER_ID, Instant.now());
  }
}
