package org.weft.orchestrator.web;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.weft.orchestrator.access.Caller;
import org.weft.orchestrator.engine.WebhookService;
import org.weft.orchestrator.lifecycle.DeliveryState;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.model.Webhook;
import org.weft.orchestrator.model.WebhookDelivery;

/**
 * A gateway's webhooks, their delivery logs and redelivery. A gateway admin sees and manages its
 * gateway's webhooks only; another gateway's is 404. An operator sees all.
 */
@RestController
@RequestMapping("/api/v1/webhooks")
class WebhookController {

  /** What registers a webhook; {@code events} defaults to {@code experiment.state}, the secret to a new one. */
  record RegisterWebhookRequest(
      @NotBlank @Size(max = 2048) String url,
      @Size(max = 8) List<@NotBlank String> events,
      @Size(max = 200) String secret) {}

  private final WebhookService webhooks;
  private final StrictJson json;
  private final Paging paging;

  WebhookController(WebhookService webhooks, StrictJson json, Paging paging) {
    this.webhooks = webhooks;
    this.json = json;
    this.paging = paging;
  }

  /** Answers the secret this once; later reads leave it out. */
  @PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
  ResponseEntity<Webhook> register(@RequestBody String body, Caller caller) {
    var request = json.readValid(body, RegisterWebhookRequest.class);
    if (!caller.operator() && caller.gatewayId() == null) {
      // a webhook without a gateway hears every gateway's experiments: an operator's alone
      throw new BadRequestException("(token)", "names no gateway, so it cannot register a webhook");
    }
    var webhook = webhooks.register(caller.gatewayId(), request.url(), request.events(), request.secret());
    return ResponseEntity.created(URI.create("/api/v1/webhooks/" + webhook.id())).body(webhook);
  }

  @GetMapping
  Map<String, List<Webhook>> list(Caller caller) {
    var found = caller.operator() ? webhooks.list(Optional.empty())
        : caller.gatewayId() == null ? List.<Webhook>of() : webhooks.list(Optional.of(caller.gatewayId()));
    return Map.of("items", found.stream().map(Webhook::withoutSecret).toList());
  }

  @GetMapping("/{id}")
  Webhook get(@PathVariable String id, Caller caller) {
    return visible(id, caller).withoutSecret();
  }

  @DeleteMapping("/{id}")
  ResponseEntity<Void> delete(@PathVariable String id, Caller caller) {
    webhooks.delete(visible(id, caller).id());
    return ResponseEntity.noContent().build();
  }

  @GetMapping("/{id}/deliveries")
  Page<WebhookDelivery> deliveries(@PathVariable String id, @RequestParam(required = false) DeliveryState state,
      @RequestParam(defaultValue = "0") int page, @RequestParam(defaultValue = "20") int size, Caller caller) {
    paging.check(page, size);
    return webhooks.deliveries(visible(id, caller).id(), Optional.ofNullable(state), page, size);
  }

  @GetMapping("/{id}/deliveries/{deliveryId}")
  WebhookDelivery delivery(@PathVariable String id, @PathVariable String deliveryId, Caller caller) {
    return webhooks.delivery(visible(id, caller).id(), deliveryId)
        .orElseThrow(() -> new NotFoundException("No delivery " + deliveryId + " of webhook " + id));
  }

  /** Sends a delivery again with the same {@code webhook-id}, whatever became of it before. */
  @PostMapping("/{id}/deliveries/{deliveryId}/redeliver")
  ResponseEntity<WebhookDelivery> redeliver(@PathVariable String id, @PathVariable String deliveryId, Caller caller) {
    return webhooks.redeliver(visible(id, caller).id(), deliveryId)
        .map(delivery -> ResponseEntity.accepted().body(delivery))
        .orElseThrow(() -> new NotFoundException("No delivery " + deliveryId + " of webhook " + id));
  }

  private Webhook visible(String id, Caller caller) {
    return webhooks.find(id)
        .filter(webhook -> caller.operator() || caller.gatewayId() != null && caller.gatewayId().equals(webhook.gatewayId()))
        .orElseThrow(() -> new NotFoundException("No webhook " + id));
  }
}
