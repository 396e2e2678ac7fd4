package org.weft.orchestrator.web;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
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
import org.weft.orchestrator.dag.ExperimentState;
import org.weft.orchestrator.dag.LiveDagViews;
import org.weft.orchestrator.dag.Page;
import org.weft.orchestrator.dag.Violation;
import org.weft.orchestrator.engine.ExperimentService;

@RestController
@RequestMapping("/api/v1/experiments")
class ExperimentController {

  private static final Pattern TYPE = Pattern.compile("[a-z0-9][a-z0-9-]{0,63}");
  private static final int MAX_TEXT = 200;
  private static final int MAX_PRIORITY = 100;

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
      @RequestHeader(name = "Idempotency-Key", required = false) String idempotencyKey) {
    var request = json.read(body, SubmitExperimentRequest.class);
    check(request, idempotencyKey);
    var submission = experiments.submit(new LiveDagViews.NewExperiment(request.experimentType(), request.templateVersion(),
        request.name(), request.owner(), request.gatewayId(), request.priority() == null ? 0 : request.priority(),
        request.inputs(), idempotencyKey));
    var self = "/api/v1/experiments/" + submission.experimentId();
    return ResponseEntity.accepted().location(URI.create(self)).body(new Accepted(submission.experimentId(),
        submission.state(), Map.of("self", self, "dag", self + "/dag", "events", self + "/events")));
  }

  /** The optional body of a rerun. */
  record RerunRequest(String fromTask) {}

  @PostMapping("/{id}/cancel")
  ResponseEntity<Map<String, Object>> cancel(@PathVariable String id) {
    if (!experiments.cancel(id)) {
      throw notFound(id);
    }
    var experiment = experiments.find(id).orElseThrow(() -> notFound(id));
    return ResponseEntity.accepted().body(Map.of("experimentId", id, "state", experiment.state()));
  }

  @PostMapping("/{id}/rerun")
  ResponseEntity<Map<String, Object>> rerun(@PathVariable String id, @RequestBody(required = false) String body) {
    var request = body == null || body.isBlank() ? new RerunRequest(null) : json.read(body, RerunRequest.class);
    if (request.fromTask() != null && !TYPE.matcher(request.fromTask()).matches()) {
      throw new BadRequestException("fromTask", "must be a task key: [a-z0-9][a-z0-9-]*");
    }
    var reset = experiments.rerun(id, request.fromTask()).orElseThrow(() -> notFound(id));
    var experiment = experiments.find(id).orElseThrow(() -> notFound(id));
    return ResponseEntity.accepted().body(Map.of("experimentId", id, "state", experiment.state(), "reset", reset));
  }

  @GetMapping
  Page<LiveDagViews.Experiment> list(@RequestParam(required = false) ExperimentState state,
      @RequestParam(required = false) String type, @RequestParam(required = false) String gatewayId,
      @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size) {
    paging.check(page, size);
    return experiments.list(new LiveDagViews.ExperimentFilter(state, type, gatewayId), page, size);
  }

  @GetMapping("/{id}")
  LiveDagViews.Experiment get(@PathVariable String id) {
    return experiments.find(id).orElseThrow(() -> notFound(id));
  }

  @GetMapping("/{id}/dag")
  LiveDagViews.Dag dag(@PathVariable String id) {
    return experiments.dag(id).orElseThrow(() -> notFound(id));
  }

  @GetMapping("/{id}/events")
  Map<String, Object> events(@PathVariable String id) {
    return Map.of("experimentId", id, "items", experiments.events(id).orElseThrow(() -> notFound(id)));
  }

  private static NotFoundException notFound(String id) {
    return new NotFoundException("No experiment with id '" + id + "'");
  }

  private static void check(SubmitExperimentRequest request, String idempotencyKey) {
    var violations = new ArrayList<Violation>();
    if (request.experimentType() == null) {
      violations.add(new Violation("experimentType", "is required"));
    } else if (!TYPE.matcher(request.experimentType()).matches()) {
      violations.add(new Violation("experimentType", "must match [a-z0-9][a-z0-9-]* and be at most 64 characters"));
    }
    text("name", request.name(), violations);
    text("owner", request.owner(), violations);
    text("gatewayId", request.gatewayId(), violations);
    if (request.templateVersion() != null && request.templateVersion() < 1) {
      violations.add(new Violation("templateVersion", "must be 1 or more"));
    }
    if (request.priority() != null && (request.priority() < 0 || request.priority() > MAX_PRIORITY)) {
      violations.add(new Violation("priority", "must be between 0 and " + MAX_PRIORITY));
    }
    if (idempotencyKey != null && (idempotencyKey.isEmpty() || idempotencyKey.length() > MAX_TEXT
        || !idempotencyKey.chars().allMatch(c -> c >= 0x21 && c <= 0x7e))) {
      violations.add(new Violation("Idempotency-Key", "must be 1 to " + MAX_TEXT + " visible ASCII characters"));
    }
    if (!violations.isEmpty()) {
      throw new BadRequestException(List.copyOf(violations));
    }
  }

  private static void text(String field, String value, List<Violation> violations) {
    if (value != null && (value.length() > MAX_TEXT || value.chars().anyMatch(Character::isISOControl))) {
      violations.add(new Violation(field, "must be at most " + MAX_TEXT + " characters without control characters"));
    }
  }
}
