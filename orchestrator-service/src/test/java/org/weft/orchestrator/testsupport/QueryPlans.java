package org.weft.orchestrator.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.neo4j.driver.AuthTokens;
import org.neo4j.driver.Driver;
import org.neo4j.driver.GraphDatabase;
import org.neo4j.driver.summary.Plan;
import org.neo4j.driver.summary.ProfiledPlan;
import org.neo4j.driver.summary.ResultSummary;

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
  private static final Pattern BROAD_SEEK = Pattern.compile(
      "INDEX \\w+:Experiment\\((state|type|gatewayId|createdAt|eventsPending)\\)");

  /** One Bolt driver per server for the whole test JVM, closed when it exits. */
  private static final Map<String, Driver> DRIVERS = new ConcurrentHashMap<>();

  private QueryPlans() {}

  private static Driver connect(String boltUri) {
    var driver = GraphDatabase.driver(boltUri, AuthTokens.none());
    Runtime.getRuntime().addShutdownHook(new Thread(driver::close));
    return driver;
  }

  /**
   * The operators of the statement's plan that read more than they must, as {@code operator details}.
   * Plans come over Bolt ({@code boltUri}): the in-process driver the engine uses has none.
   */
  public static List<String> scans(String boltUri, String statement, Map<String, Object> parameters) {
    return operators(explain(boltUri, statement, parameters).plan()).stream()
        .filter(plan -> SCANS.contains(name(plan)) && !pairOfUniqueSeeks(plan))
        .map(QueryPlans::describe).toList();
  }

  /** The seeks of the statement's plan through an index that lists many experiments. */
  public static List<String> broadSeeks(String boltUri, String statement, Map<String, Object> parameters) {
    return operators(explain(boltUri, statement, parameters).plan()).stream()
        .filter(plan -> name(plan).contains("Seek") && BROAD_SEEK.matcher(details(plan)).find())
        .map(QueryPlans::describe).toList();
  }

  /**
   * What Neo4j says is deprecated in the statement: the driver logs it as a warning each time the
   * statement runs.
   */
  public static List<String> deprecations(String boltUri, String statement, Map<String, Object> parameters) {
    return explain(boltUri, statement, parameters).notifications().stream()
        .filter(notification -> notification.code().contains("Deprecat"))
        .map(notification -> notification.code() + ": " + notification.description()).toList();
  }

  /**
   * Runs the statement with {@code PROFILE} and answers the rows its operators produced, all added
   * up: what it read and passed on, whatever it returned in the end. It runs: use it on reads, or
   * on writes with nothing to write.
   */
  public static long rowsProduced(String boltUri, String statement, Map<String, Object> parameters) {
    try (var session = DRIVERS.computeIfAbsent(boltUri, QueryPlans::connect).session()) {
      var profile = session.run("PROFILE " + statement, parameters).consume().profile();
      var all = new ArrayList<ProfiledPlan>();
      all.add(profile);
      for (int i = 0; i < all.size(); i++) {
        all.addAll(all.get(i).children());
      }
      return all.stream().mapToLong(ProfiledPlan::records).sum();
    }
  }

  private static ResultSummary explain(String boltUri, String statement, Map<String, Object> parameters) {
    try (var session = DRIVERS.computeIfAbsent(boltUri, QueryPlans::connect).session()) {
      return session.run("EXPLAIN " + statement, parameters).consume();
    }
  }

  /** Every operator of the plan, depth first. */
  private static List<Plan> operators(Plan root) {
    var all = new ArrayList<Plan>();
    all.add(root);
    for (int i = 0; i < all.size(); i++) {
      all.addAll(all.get(i).children());
    }
    return all;
  }

  /** A product of two unique seeks pairs one node with one node: nothing is read in vain. */
  private static boolean pairOfUniqueSeeks(Plan plan) {
    return name(plan).equals("CartesianProduct")
        && plan.children().stream().allMatch(child -> name(child).startsWith("NodeUniqueIndexSeek"));
  }

  private static String name(Plan plan) {
    return plan.operatorType().replaceAll("@.*", "");
  }

  private static String details(Plan plan) {
    return String.valueOf(plan.arguments().getOrDefault("Details", null));
  }

  private static String describe(Plan plan) {
    return name(plan) + " " + details(plan);
  }
}
