package org.weft.orchestrator.coordination;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.apache.curator.framework.CuratorFramework;
import org.apache.curator.utils.ZKPaths;
import org.apache.zookeeper.KeeperException;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.model.Worker;
import tools.jackson.databind.json.JsonMapper;

/** The live task-microservice instances, as they register under {@code /weft/workers/{taskType}/{workerId}}. */
@Component
public class WorkerDirectory {

  private static final JsonMapper JSON = JsonMapper.builder().build();

  private final CuratorFramework client;
  private final String workers;

  WorkerDirectory(CuratorFramework client, ZooKeeperProperties properties) {
    this.client = client;
    this.workers = ZKPaths.makePath(properties.root(), "workers");
  }

  public List<Worker> list() throws Exception {
    var found = new ArrayList<Worker>();
    for (var type : children(workers)) {
      var typePath = ZKPaths.makePath(workers, type);
      for (var id : children(typePath)) {
        try {
          var data = client.getData().forPath(ZKPaths.makePath(typePath, id));
          @SuppressWarnings("unchecked")
          Map<String, Object> registration = data == null || data.length == 0 ? Map.of() : JSON.readValue(data, Map.class);
          found.add(new Worker(type, id, registration));
        } catch (KeeperException.NoNodeException e) {
          // it went while we looked
        }
      }
    }
    found.sort(Comparator.comparing(Worker::taskType).thenComparing(Worker::workerId));
    return found;
  }

  /** The task types that have at least one live worker registered now. */
  public Set<String> liveTaskTypes() throws Exception {
    var live = new TreeSet<String>();
    for (var type : children(workers)) {
      if (!children(ZKPaths.makePath(workers, type)).isEmpty()) {
        live.add(type);
      }
    }
    return live;
  }

  private List<String> children(String path) throws Exception {
    try {
      return client.getChildren().forPath(path);
    } catch (KeeperException.NoNodeException e) {
      return List.of();
    }
  }
}
