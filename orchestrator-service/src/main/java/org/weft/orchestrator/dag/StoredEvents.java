package org.weft.orchestrator.dag;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * How the audit trail is stored: the events an experiment records in one transaction are one
 * {@code :Event} node, {@code seq} its first event's number and {@code last} its last one's, the
 * events' fields in the lists {@code types}, {@code taskKeys}, {@code states} and {@code details}
 * (an empty string for no task key or no detail: lists in Neo4j hold no nulls), and their common
 * time {@code at}.
 */
final class StoredEvents {

  private StoredEvents() {}

  /**
   * The events of one stored node, in order, each as {@code experimentId}, {@code seq}, {@code at},
   * {@code type}, {@code taskKey}, {@code state} and {@code detail}; {@code stored} is the node as
   * a statement returns it ({@code v {.*}}).
   */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> expand(Object stored) {
    var node = (Map<String, Object>) stored;
    var types = list(node.get("types"));
    var taskKeys = list(node.get("taskKeys"));
    var states = list(node.get("states"));
    var details = list(node.get("details"));
    long first = ((Number) node.get("seq")).longValue();
    var events = new ArrayList<Map<String, Object>>(types.size());
    for (int i = 0; i < types.size(); i++) {
      var event = new HashMap<String, Object>();
      event.put("experimentId", node.get("experimentId"));
      event.put("seq", first + i);
      event.put("at", node.get("at"));
      event.put("type", types.get(i));
      event.put("taskKey", emptyToNull(taskKeys.get(i)));
      event.put("state", states.get(i));
      event.put("detail", emptyToNull(details.get(i)));
      events.add(event);
    }
    return events;
  }

  private static List<?> list(Object value) {
    return value instanceof List<?> list ? list : List.of();
  }

  private static Object emptyToNull(Object value) {
    return "".equals(value) ? null : value;
  }
}
