package org.weft.orchestrator.web;

import java.io.IOException;
import java.util.List;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.weft.orchestrator.access.Caller;
import org.weft.orchestrator.engine.EventStreams;
import org.weft.orchestrator.engine.ExperimentService;
import org.weft.orchestrator.model.LiveDagViews;

/**
 * An experiment's events as Server-Sent Events, so a portal shows progress without polling. Each
 * event's id is its {@code seq}; a client that reconnects with {@code Last-Event-ID} (as browsers'
 * {@code EventSource} does by itself) gets what it missed and goes on from there.
 */
@RestController
class EventStreamController {

  private final ExperimentService experiments;
  private final EventStreams streams;
  private final WebProperties properties;

  EventStreamController(ExperimentService experiments, EventStreams streams, WebProperties properties) {
    this.experiments = experiments;
    this.streams = streams;
    this.properties = properties;
  }

  @GetMapping(path = "/api/v1/experiments/{id}/events/stream", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
  SseEmitter stream(@PathVariable String id, @RequestHeader(name = "Last-Event-ID", required = false) String lastEventId,
      Caller caller) {
    long after = after(lastEventId);
    experiments.find(id).filter(experiment -> caller.seesExperimentOf(experiment.gatewayId()))
        .orElseThrow(() -> new NotFoundException("No experiment with id '" + id + "'"));
    var emitter = new SseEmitter(properties.streamTimeout().toMillis());
    var close = streams.follow(id, after, new Sink(emitter));
    emitter.onCompletion(close);
    emitter.onTimeout(() -> {
      close.run();
      emitter.complete();
    });
    emitter.onError(error -> close.run());
    return emitter;
  }

  private static long after(String lastEventId) {
    if (lastEventId == null || lastEventId.isBlank()) {
      return 0;
    }
    try {
      long seq = Long.parseLong(lastEventId.trim());
      if (seq >= 0) {
        return seq;
      }
    } catch (NumberFormatException e) {
      // answered below
    }
    throw new BadRequestException("Last-Event-ID", "must be the id of an event this stream sent: a whole number, 0 or more");
  }

  /** Writes to one client; false once it has gone. */
  private record Sink(SseEmitter emitter) implements EventStreams.Subscriber {

    @Override
    public boolean deliver(List<LiveDagViews.Event> events) {
      try {
        for (var event : events) {
          emitter.send(SseEmitter.event().id(String.valueOf(event.seq())).name(event.type())
              .data(event, MediaType.APPLICATION_JSON));
        }
        return true;
      } catch (IOException | IllegalStateException e) {
        return false;
      }
    }

    @Override
    public boolean heartbeat() {
      try {
        emitter.send(SseEmitter.event().comment("keep-alive"));
        return true;
      } catch (IOException | IllegalStateException e) {
        return false;
      }
    }

    @Override
    public void end() {
      emitter.complete();
    }
  }
}
