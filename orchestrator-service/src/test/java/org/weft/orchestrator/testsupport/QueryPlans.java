package org.weft.orchestrator.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.neo4j.driver.Driver;
import org.neo4j.driver.summary.Plan;

/**
 * What Neo4j's planner makes of a statement, from {@code EXPLAIN} (nothing runs). The engine's hot
 * statements must seek through indexes: a scan costs in proportion to every experiment ever run,
 * which a test on a small graph cannot see in its timings.
 */
public final class QueryPlans {

  private static final List<String> SCANS = List.of(
      "AllNodesScan", "NodeByLabelScan", "NodeIndexScan", "NodeIndexContainsScan", "NodeIndexEndsWithScan",
      "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan", "DirectedRelationshipTypeScan",
      "UndirectedRelationshipTypeScan", "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
      "CartesianProduct");

  /**
   * Indexes that list experiments for people (by state, type, gateway, age) or for the event sweep:
   * a seek on one of them reads every experiment in that state, which grows with the load.
   */
  private static final java.util.regex.Pattern BROAD_SEEK = java.util.regex.Pattern.compile(
      "INDEX \\w+:Experiment\\((state|type|gatewayId|createdAt|eventsPending)\\)");

  private QueryPlans() {}

  /**
   * What Neo4j says is deprecated in the statement: the driver logs it as a warning each time the
   * statement runs.
   */
  public static List<String> deprecations(Driver driver, String statement, Map<String, Object> parameters) {
    try (var session = driver.session()) {
      return session.run("EXPLAIN " + statement, parameters).consume().notifications().stream()
          .filter(notification -> notification.code().contains("Deprecat"))
          .map(notification -> notification.code() + ": " + notification.description()).toList();
    }
  }

  /** The seeks of the statement's plan through an index that lists many experiments. */
  public static List<String> broadSeeks(Driver driver, String statement, Map<String, Object> parameters) {
    try (var session = driver.session()) {
      var plan = session.run("EXPLAIN " + statement, parameters).consume().plan();
      var found = new ArrayList<String>();
      collectBroad(plan, found);
      return found;
    }
  }

  private static void collectBroad(Plan plan, List<String> found) {
    var details = String.valueOf(plan.arguments().getOrDefault("Details", null));
    if (plan.operatorType().contains("Seek") && BROAD_SEEK.matcher(details).find()) {
      found.add(plan.operatorType().replaceAll("@.*", "") + " " + details);
    }
    plan.children().forEach(child -> collectBroad(child, found));
  }

  /** The operators of the statement's plan that read more than they must, as {@code operator details}. */
  public static List<String> scans(Driver driver, String statement, Map<String, Object> parameters) {
    try (var session = driver.session()) {
      var plan = session.run("EXPLAIN " + statement, parameters).consume().plan();
      var found = new ArrayList<String>();
      collect(plan, found);
      return found;
    }
  }

  private static void collect(Plan plan, List<String> found) {
    var operator = plan.operatorType().replaceAll("@.*", "");
    // a product of two unique seeks pairs one node with one node: nothing is read in vain
    var pairOfUniqueSeeks = operator.equals("CartesianProduct")
        && plan.children().stream().allMatch(child -> child.operatorType().startsWith("NodeUniqueIndexSeek"));
    if (SCANS.contains(operator) && !pairOfUniqueSeeks) {
      found.add(operator + " " + plan.arguments().getOrDefault("Details", null));
    }
    plan.children().forEach(child -> collect(child, found));
  }
}
