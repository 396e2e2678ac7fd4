package org.weft.orchestrator.engine;

import java.util.TreeMap;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.coordination.WorkerDirectory;
import org.weft.orchestrator.messaging.TaskBacklog;
import org.weft.orchestrator.model.Workers;

/** What the API asks about task microservices: who is live (ZooKeeper), what waits for them (Kafka). */
@Service
public class WorkerService {

  private final WorkerDirectory directory;
  private final TaskBacklog backlog;

  WorkerService(WorkerDirectory directory, TaskBacklog backlog) {
    this.directory = directory;
    this.backlog = backlog;
  }

  /** @throws Exception when ZooKeeper cannot be read now */
  public Workers workers() throws Exception {
    var items = directory.list();
    var byType = new TreeMap<String, Long>();
    items.forEach(worker -> byType.merge(worker.taskType(), 1L, Long::sum));
    return new Workers(items, byType, backlog.queued());
  }
}
