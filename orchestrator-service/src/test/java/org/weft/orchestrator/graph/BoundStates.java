package org.weft.orchestrator.graph;

import java.util.HashMap;
import java.util.Map;

/** For tests that run an engine statement themselves: its own parameters and the states it names. */
final class BoundStates {

  private BoundStates() {}

  static Map<String, Object> bound(String statement, Map<String, Object> parameters) {
    var all = new HashMap<String, Object>(States.of(statement));
    all.putAll(parameters);
    return all;
  }
}
