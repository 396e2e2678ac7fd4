package org.weft.orchestrator.engine;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.graph.LiveDags;

/**
 * Each experiment's gateway, for the events that go out about it. An experiment's gateway never
 * changes, so it is remembered: from the submission on this instance, or read from Neo4j once for
 * an experiment another instance created.
 */
@Component
class ExperimentGateways {

  private static final int REMEMBERED = 100_000;
  /** An experiment without a gateway (the local mode's, or an operator's). */
  private static final String NONE = "";

  private final LiveDags liveDags;
  private final Map<String, String> remembered = new LinkedHashMap<>(1024, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
      return size() > REMEMBERED;
    }
  };

  ExperimentGateways(LiveDags liveDags) {
    this.liveDags = liveDags;
  }

  synchronized void remember(String experimentId, String gatewayId) {
    remembered.put(experimentId, gatewayId == null ? NONE : gatewayId);
  }

  /** The gateways of these experiments; an experiment without one is left out. */
  Map<String, String> of(Collection<String> experimentIds) {
    var found = new HashMap<String, String>();
    Set<String> unknown;
    synchronized (this) {
      for (var id : experimentIds) {
        var gateway = remembered.get(id);
        if (gateway != null) {
          found.put(id, gateway);
        }
      }
      unknown = experimentIds.stream().filter(id -> !found.containsKey(id)).collect(Collectors.toSet());
    }
    if (!unknown.isEmpty()) {
      var read = liveDags.gatewaysOf(unknown);
      synchronized (this) {
        for (var id : unknown) {
          var gateway = read.getOrDefault(id, NONE);
          remembered.put(id, gateway);
          found.put(id, gateway);
        }
      }
    }
    found.values().removeIf(NONE::equals);
    return found;
  }
}
