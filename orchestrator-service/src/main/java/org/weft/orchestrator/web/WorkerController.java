package org.weft.orchestrator.web;

import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.weft.orchestrator.engine.WorkerService;
import org.weft.orchestrator.model.Workers;

/**
 * The live task-microservice instances and their load, from ZooKeeper, and the dispatches each task
 * type has waiting that no worker has started, from Kafka.
 */
@RestController
class WorkerController {

  private final WorkerService workers;

  WorkerController(WorkerService workers) {
    this.workers = workers;
  }

  @GetMapping("/api/v1/workers")
  Workers workers() {
    try {
      return workers.workers();
    } catch (Exception e) {
      throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "ZooKeeper cannot be read now: " + e.getMessage());
    }
  }
}
