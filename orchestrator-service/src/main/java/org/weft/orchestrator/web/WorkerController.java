package org.weft.orchestrator.web;

import org.weft.orchestrator.messaging.TaskBacklog;
import java.util.List;
import java.util.Map;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.server.ResponseStatusException;
import org.weft.orchestrator.coordination.WorkerDirectory;

/**
 * The live task-microservice instances and their load, from ZooKeeper, and the dispatches each task
 * type has waiting that no worker has started, from Kafka.
 */
@RestController
class WorkerController {

  record Workers(List<WorkerDirectory.Worker> items, Map<String, Long> byTaskType, Map<String, Long> queued) {}

  private final WorkerDirectory directory;
  private final TaskBacklog backlog;

  WorkerController(WorkerDirectory directory, TaskBacklog backlog) {
    this.directory = directory;
    this.backlog = backlog;
  }

  @GetMapping("/api/v1/workers")
  Workers workers() {
    List<WorkerDirectory.Worker> items;
    try {
      items = directory.list();
    } catch (Exception e) {
      throw new ResponseStatusException(HttpStatus.SERVICE_UNAVAILABLE, "ZooKeeper cannot be read now: " + e.getMessage());
    }
    var byType = new java.util.TreeMap<String, Long>();
    items.forEach(worker -> byType.merge(worker.taskType(), 1L, Long::sum));
    return new Workers(items, byType, backlog.queued());
  }
}
