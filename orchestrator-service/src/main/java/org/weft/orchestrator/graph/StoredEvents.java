package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.weft.orchestrator.model.StoredEvent;

/**
 * How the audit trail is stored: the events an experiment records in one transaction are one
 * {@code :Event} node, {@code seq} its first event's number and {@code last} its last one's, the
 * events' fields in the lists {@code types}, {@code taskKeys}, {@code states} and {@code details}
 * (an empty string for no task key or no detail: lists in Neo4j hold no nulls), and their common
 * time {@code at}.
 */
final class StoredEvents {

  private StoredEvents() {}

  /** The events of one stored node, in order; {@code stored} is the node as a statement returns it ({@code v {.*}}). */
  @SuppressWarnings("unchecked")
  static List<StoredEvent> expand(Object stored) {
    var node = (Map<String, Object>) stored;
    var types = list(node.get("types"));
    var taskKeys = list(node.get("taskKeys"));
    var states = list(node.get("states"));
    var details = list(node.get("details"));
    var experimentId = (String) node.get("experimentId");
    long first = ((Number) node.get("seq")).longValue();
    var at = MasterDags.toInstant(node.get("at"));
    var events = new ArrayList<StoredEvent>(types.size());
    for (int i = 0; i < types.size(); i++) {
      events.add(new StoredEvent(experimentId, first + i, at, (String) types.get(i), emptyToNull(taskKeys.get(i)),
          (String) states.get(i), emptyToNull(details.get(i))));
    }
    return events;
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> list ? list : List.of();
  }

  private static String emptyToNull(Object value) {
    return "".equals(value) ? null : (String) value;
  }
}
