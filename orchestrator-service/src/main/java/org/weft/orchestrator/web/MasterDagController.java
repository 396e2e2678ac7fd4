package org.weft.orchestrator.web;

import java.net.URI;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
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
import org.weft.orchestrator.engine.TemplateService;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.template.TemplateParser;

@RestController
@RequestMapping("/api/v1/master-dags")
class MasterDagController {

  static final String YAML = "application/yaml";

  /** The answer to a registration. */
  record Registered(String type, int version) {}

  /** One line of the listing: the latest version of a type; {@code gatewayId} is null for a shared one. */
  record Summary(String type, int version, String description, int tasks, String checksum, Instant createdAt,
      String gatewayId) {}

  private final TemplateService templates;
  private final Paging paging;

  MasterDagController(TemplateService templates, Paging paging) {
    this.templates = templates;
    this.paging = paging;
  }

  @PostMapping(consumes = {MediaType.APPLICATION_JSON_VALUE, YAML, "application/x-yaml", "text/yaml"})
  ResponseEntity<Registered> register(@RequestBody String body,
      @RequestHeader(HttpHeaders.CONTENT_TYPE) MediaType contentType, Caller caller) {
    var format = MediaType.APPLICATION_JSON.isCompatibleWith(contentType) ? TemplateParser.Format.JSON : TemplateParser.Format.YAML;
    // an operator's templates are shared; a gateway administrator's are its gateway's own
    var registration = templates.register(body, format, caller.operator() ? null : caller.gatewayId());
    var location = URI.create("/api/v1/master-dags/%s/versions/%d".formatted(registration.type(), registration.version()));
    return ResponseEntity.status(registration.created() ? HttpStatus.CREATED : HttpStatus.OK)
        .location(location)
        .body(new Registered(registration.type(), registration.version()));
  }

  @GetMapping
  Page<Summary> list(@RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "50") int size,
      Caller caller) {
    paging.check(page, size);
    var found = caller.operator() ? templates.list(page, size) : templates.listUsableBy(caller.gatewayId(), page, size);
    return new Page<>(found.items().stream().map(m -> new Summary(m.type(), m.version(), m.document().description(),
        m.document().tasks().size(), m.checksum(), m.createdAt(), m.gatewayId())).toList(),
        found.page(), found.size(), found.total());
  }

  @GetMapping("/{type}")
  Map<String, Object> latest(@PathVariable String type, Caller caller) {
    return document(templates.latest(type).filter(found -> caller.sees(found.gatewayId()))
        .orElseThrow(() -> new NotFoundException("No master DAG of type '" + type + "'")));
  }

  @GetMapping("/{type}/versions/{version}")
  Map<String, Object> version(@PathVariable String type, @PathVariable int version, Caller caller) {
    return document(templates.version(type, version).filter(found -> caller.sees(found.gatewayId()))
        .orElseThrow(() -> new NotFoundException("No version %d of master DAG '%s'".formatted(version, type))));
  }

  private static Map<String, Object> document(MasterDagView view) {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", view.type());
    body.put("version", view.version());
    body.put("checksum", view.checksum());
    body.put("createdAt", view.createdAt());
    body.put("gatewayId", view.gatewayId());
    body.put("description", view.document().description());
    body.put("inputs", view.document().inputs());
    body.put("tasks", view.document().tasks());
    return body;
  }
}
