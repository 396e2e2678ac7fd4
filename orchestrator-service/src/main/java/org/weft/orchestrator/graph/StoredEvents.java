package org.weft.orchestrator.graph;

import java.util.ArrayList;
import java.util.List;
import org.neo4j.driver.Value;
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

  /** The events of one stored node, in order. */
  record Group(List<StoredEvent> events) {}

  /** The events of one stored node, in order; {@code stored} is the node as a statement returns it ({@code v {.*}}). */
  static Group group(Value stored) {
    var types = stored.get("types").asList(Value::asString);
    var taskKeys = stored.get("taskKeys").asList(Value::asString);
    var states = stored.get("states").asList(Value::asString);
    var details = stored.get("details").asList(Value::asString);
    var experimentId = stored.get("experimentId").asString();
    long first = stored.get("seq").asLong();
    var at = Rows.instant(stored.get("at"));
    var events = new ArrayList<StoredEvent>(types.size());
    for (int i = 0; i < types.size(); i++) {
      events.add(new StoredEvent(experimentId, first + i, at, types.get(i), emptyToNull(taskKeys.get(i)),
          states.get(i), emptyToNull(details.get(i))));
    }
    return new Group(events);
  }

  private static String emptyToNull(String value) {
    return value.isEmpty() ? null : value;
  }
}
