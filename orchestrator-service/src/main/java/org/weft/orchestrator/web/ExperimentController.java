package org.weft.orchestrator.web;

import jakarta.validation.constraints.Pattern;
import java.net.URI;
import java.util.List;
import java.util.Map;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.weft.orchestrator.access.Caller;
import org.weft.orchestrator.engine.ExperimentService;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.model.LiveDagViews;
import org.weft.orchestrator.model.Page;

@RestController
@RequestMapping("/api/v1/experiments")
class ExperimentController {

  private static final int MAX_KEY = 200;

  /** The answer to a submission. */
  record Accepted(String experimentId, ExperimentState state, Map<String, String> links) {}

  private final ExperimentService experiments;
  private final StrictJson json;
  private final Paging paging;

  ExperimentController(ExperimentService experiments, StrictJson json, Paging paging) {
    this.experiments = experiments;
    this.json = json;
    this.paging = paging;
  }

  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Accepted> submit(@RequestBody String body,
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey, Caller caller) {
    checkKey(idempotencyKey);
    var request = json.readValid(body, SubmitExperimentRequest.class);
    var gateway = caller.local() ? request.gatewayId() : caller.gatewayId();
    if (!caller.local() && request.gatewayId() != null && !request.gatewayId().equals(gateway)) {
      throw new BadRequestException("gatewayId", "is the gateway of the caller's token" + (gateway == null ? "" : ", '"
          + gateway + "'") + "; leave it out");
    }
    // one gateway's key never finds another's experiment; a key has no space, so none can forge this
    var key = idempotencyKey == null || caller.local() || gateway == null ? idempotencyKey : gateway + " " + idempotencyKey;
    var experiment = new LiveDagViews.NewExperiment(request.experimentType(), request.templateVersion(),
        request.name(), request.owner(), gateway, caller.local() ? null : caller.subject(),
        request.priority() == null ? 0 : request.priority(), request.inputs(), key,
        request.data() == null ? null : request.data().retain());
    // the local mode is one trusted user; a gateway's token brings the gateway's limits
    var submission = caller.local() ? experiments.submit(experiment) : experiments.submitForGateway(experiment);
    var self = "/api/v1/experiments/" + submission.experimentId();
    return ResponseEntity.accepted().location(URI.create(self)).body(new Accepted(submission.experimentId(),
        submission.state(), Map.of("self", self, "dag", self + "/dag", "events", self + "/events")));
  }

  /** The optional body of a rerun. */
  record RerunRequest(
      @Pattern(regexp = SubmitExperimentRequest.TYPE + "(\\[[0-9]{1,9}])?",
          message = "must be a task key, [a-z0-9][a-z0-9-]*, or a member's key such as run[3]") String fromTask) {}

  @PostMapping("/{id}/cancel")
  ResponseEntity<Map<String, Object>> cancel(@PathVariable String id, Caller caller) {
    visible(id, caller);
    if (!experiments.cancel(id)) {
      throw notFound(id);
    }
    var experiment = experiments.find(id).orElseThrow(() -> notFound(id));
    return ResponseEntity.accepted().body(Map.of("experimentId", id, "state", experiment.state()));
  }

  @PostMapping("/{id}/rerun")
  ResponseEntity<Map<String, Object>> rerun(@PathVariable String id, @RequestBody(required = false) String body,
      Caller caller) {
    visible(id, caller);
    var request = body == null || body.isBlank() ? new RerunRequest(null) : json.readValid(body, RerunRequest.class);
    var reset = experiments.rerun(id, request.fromTask()).orElseThrow(() -> notFound(id));
    var experiment = experiments.find(id).orElseThrow(() -> notFound(id));
    return ResponseEntity.accepted().body(Map.of("experimentId", id, "state", experiment.state(), "reset", reset));
  }

  @GetMapping
  Page<LiveDagViews.Experiment> list(@RequestParam(required = false) ExperimentState state,
      @RequestParam(required = false) String type, @RequestParam(required = false) String gatewayId,
      @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size, Caller caller) {
    paging.check(page, size);
    // a gateway lists its own experiments; asking for another's finds none
    if (!caller.operator() && (caller.gatewayId() == null || (gatewayId != null && !gatewayId.equals(caller.gatewayId())))) {
      return new Page<>(List.of(), page, size, 0);
    }
    return experiments.list(new LiveDagViews.ExperimentFilter(state, type,
        caller.operator() ? gatewayId : caller.gatewayId()), page, size);
  }

  @GetMapping("/{id}")
  LiveDagViews.Experiment get(@PathVariable String id, Caller caller) {
    return visible(id, caller);
  }

  @GetMapping("/{id}/dag")
  LiveDagViews.Dag dag(@PathVariable String id, Caller caller) {
    visible(id, caller);
    return experiments.dag(id).orElseThrow(() -> notFound(id));
  }

  @GetMapping("/{id}/events")
  Map<String, Object> events(@PathVariable String id, Caller caller) {
    visible(id, caller);
    return Map.of("experimentId", id, "items", experiments.events(id).orElseThrow(() -> notFound(id)));
  }

  @GetMapping("/{id}/data")
  Map<String, Object> data(@PathVariable String id, Caller caller) {
    visible(id, caller);
    return Map.of("experimentId", id, "items", experiments.data(id));
  }

  /** The experiment, when the caller may see it: another gateway's is, to it, not there. */
  private LiveDagViews.Experiment visible(String id, Caller caller) {
    return experiments.find(id).filter(experiment -> caller.seesExperimentOf(experiment.gatewayId()))
        .orElseThrow(() -> notFound(id));
  }

  private static NotFoundException notFound(String id) {
    return new NotFoundException("No experiment with id '" + id + "'");
  }

  /** A header, not a field of the body: checked here, before the body is read. */
  private static void checkKey(String idempotencyKey) {
    if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_KEY
        || !idempotencyKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
      throw new BadRequestException("Idempotency-Key", "must be 1 to " + MAX_KEY + " visible ASCII characters");
    }
  }
}
