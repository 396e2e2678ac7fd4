package org.weft.orchestrator.engine;

import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.dao.DataIntegrityViolationException;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.engine.UnknownMasterDagException;
import org.weft.orchestrator.compute.ComputeResourceDirectory;
import org.weft.orchestrator.graph.DataObjects;
import org.weft.orchestrator.graph.LiveDags;
import org.weft.orchestrator.graph.MasterDags;
import org.weft.orchestrator.graph.NewerTemplateException;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;

/** What the API asks of experiments: submit one, and look at them. */
@Service
public class ExperimentService {

  private static final Logger log = LoggerFactory.getLogger(ExperimentService.class);

  /**
   * The answer to a submission.
   *
   * @param replayed true when an {@code Idempotency-Key} matched an earlier submission, whose
   *                 experiment this is
   */
  public record Submission(String experimentId, ExperimentState state, boolean replayed) {}

  private final MasterDags masterDags;
  private final LiveDags liveDags;
  private final ExperimentEngine engine;
  private final ComputeResourceDirectory computeResources;
  private final ExperimentGateways gateways;
  private final GatewayLimits limits;
  private final DataObjects dataObjects;

  ExperimentService(MasterDags masterDags, LiveDags liveDags, ExperimentEngine engine,
      ComputeResourceDirectory computeResources, ExperimentGateways gateways, GatewayLimits limits,
      DataObjects dataObjects) {
    this.gateways = gateways;
    this.dataObjects = dataObjects;
    this.limits = limits;
    this.computeResources = computeResources;
    this.masterDags = masterDags;
    this.liveDags = liveDags;
    this.engine = engine;
  }

  public Submission submit(LiveDagViews.NewExperiment request) {
    return submit(request, false);
  }

  /**
   * A submission from a gateway's token, within the gateway's limits ({@link LimitProperties}); a
   * retry of an accepted one (its {@code Idempotency-Key}) is answered whatever the limits.
   *
   * @throws GatewayLimitException when the gateway is at a limit; nothing is written then
   */
  public Submission submitForGateway(LiveDagViews.NewExperiment request) {
    return submit(request, true);
  }

  private Submission submit(LiveDagViews.NewExperiment request, boolean limited) {
    if (request.idempotencyKey() != null) {
      var earlier = replay(request.idempotencyKey());
      if (earlier.isPresent()) {
        return earlier.get();
      }
    }
    if (limited && request.gatewayId() != null) {
      limits.admit(request.gatewayId());
    }
    var template = (request.templateVersion() == null
        ? masterDags.latestKnown(request.experimentType())
        : masterDags.version(request.experimentType(), request.templateVersion()))
        // another gateway's own template is, to this one, not there
        .filter(found -> found.usableBy(request.gatewayId()))
        .orElseThrow(() -> new UnknownMasterDagException(request.experimentType(), request.templateVersion()));
    var dag = liveDags.plan(request, template, computeResources.names());
    try {
      return create(request, template, dag);
    } catch (DataIntegrityViolationException e) {
      // the same Idempotency-Key arrived twice at once; the other request created the experiment
      if (request.idempotencyKey() != null) {
        return replay(request.idempotencyKey()).orElseThrow(() -> e);
      }
      throw e;
    }
  }

  /**
   * Hands a planned experiment to the engine; planned again from the newest version if another
   * instance registered a newer one than this instance knew.
   */
  private Submission create(LiveDagViews.NewExperiment request, MasterDagView template, LiveDags.NewLiveDag dag) {
    ExperimentState state;
    try {
      state = engine.submit(dag);
    } catch (NewerTemplateException e) {
      // the newest now it is, without a second check (a registration from now on is concurrent
      // with this submission, which may take either)
      template = masterDags.latest(request.experimentType())
          .filter(found -> found.usableBy(request.gatewayId()))
          .orElseThrow(() -> new UnknownMasterDagException(request.experimentType(), null));
      dag = liveDags.plan(request, template, computeResources.names()).pinned();
      state = engine.submit(dag);
    }
    gateways.remember(dag.id(), request.gatewayId());
    try (var ignored = MDC.putCloseable("experimentId", dag.id())) {
      log.debug("Experiment {} created from {} version {}", dag.id(), template.type(), template.version());
    }
    return new Submission(dag.id(), state, false);
  }

  private Optional<Submission> replay(String idempotencyKey) {
    return liveDags.findByIdempotencyKey(idempotencyKey)
        .flatMap(liveDags::find)
        .map(experiment -> new Submission(experiment.experimentId(), experiment.state(), true));
  }

  /** @return false when there is no such experiment */
  public boolean cancel(String id) {
    if (!liveDags.exists(id)) {
      return false;
    }
    engine.cancel(id);
    // a cancel reaches the children the experiment's sub-workflows started, and theirs
    for (var child : liveDags.activeChildren(id)) {
      try {
        cancel(child);
      } catch (org.weft.orchestrator.lifecycle.IllegalTransitionException e) {
        log.debug("Child experiment {} ended before its cancel: {}", child, e.getMessage());
      }
    }
    return true;
  }

  /** @return the keys of the tasks reset, or empty when there is no such experiment */
  public Optional<List<String>> rerun(String id, String fromTask) {
    if (!liveDags.exists(id)) {
      return Optional.empty();
    }
    return Optional.of(engine.rerun(id, fromTask));
  }

  public Optional<LiveDagViews.Experiment> find(String id) {
    return liveDags.find(id);
  }

  public Page<LiveDagViews.Experiment> list(LiveDagViews.ExperimentFilter filter, int page, int size) {
    return liveDags.list(filter, page, size);
  }

  public Optional<LiveDagViews.Dag> dag(String id) {
    return liveDags.dag(id);
  }

  public Optional<List<LiveDagViews.Event>> events(String id) {
    return liveDags.events(id);
  }

  /** The files the experiment's tasks wrote and read, with their lineage. */
  public List<LiveDagViews.DataObject> data(String id) {
    return dataObjects.of(id);
  }
}
