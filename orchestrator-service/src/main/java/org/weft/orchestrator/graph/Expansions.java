package org.weft.orchestrator.graph;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Expansion;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.orchestrator.template.Placeholders;

/**
 * Expands the tasks repeated over an upstream task's output ({@code forEach:
 * ${tasks.KEY.outputs.NAME}}) once that output exists, in the caller's transaction, which is the one
 * that recorded the producer's success: the members are created, linked to their template task's
 * node ({@code HAS_MEMBER}) and to the nodes around it, and the nodes that gather their outputs learn
 * how many there are. The template task's node then ends {@code EXPANDED}. Tasks over the same
 * output are expanded together, so that their members pair up.
 */
@Component
class Expansions {

  private final Cypher cypher;
  private final int maxExpansion;
  private final Timer timer;

  Expansions(Cypher cypher, DagProperties properties, MeterRegistry meters) {
    this.cypher = cypher;
    this.maxExpansion = properties.maxExpansion();
    this.timer = Timer.builder("weft.dag.expansion")
        .description("expanding a task repeated over an upstream output into its members, in the producer's transaction")
        .register(meters);
  }

  private record Placeholder(String id, String key, String context) {}

  private record Link(String from, String to) {}

  private record Reader(String id, String context) {}

  /**
   * Expands the waiting nodes of experiment {@code experimentId} that repeat over {@code source}.
   *
   * @return why it cannot be done (the output is not a list, the experiment would grow past
   *         {@code weft.dag.max-expansion}, an item lacks a field a member reads), which fails the
   *         node for good; empty once done
   */
  Optional<String> expand(String experimentId, String source, List<LiveDags.PendingEvent> events) {
    return timer.record(() -> expandTimed(experimentId, source, events));
  }

  private Optional<String> expandTimed(String experimentId, String source, List<LiveDags.PendingEvent> events) {
    var group = List.copyOf(cypher.query("""
            MATCH (p:TaskNode {experimentId: $id}) WHERE p.state = $task.WAITING AND p.expandFrom = $source
            RETURN p.id AS id, p.key AS key, p.context AS context ORDER BY p.position""")
        .bindAll(Map.of("id", experimentId, "source", source))
        .fetchAs(Placeholder.class).mappedBy((types, row) -> new Placeholder(row.get("id").asString(),
            row.get("key").asString(), row.get("context").asString()))
        .all());
    if (group.isEmpty()) {
      return Optional.empty();
    }
    var reference = Expansion.producer(source).orElseThrow();
    var outputs = cypher.query("""
            MATCH (x:TaskNode {id: $id}) WHERE x.isExecuted
            RETURN x.outputs AS outputs""")
        .bind(LiveDagPlan.taskId(experimentId, reference.taskKey())).to("id")
        .fetchAs(String.class).mappedBy((types, row) -> Rows.text(row.get("outputs"))).one();
    // a skipped producer made nothing to repeat over
    Object value = outputs.isEmpty() ? List.of()
        : Optional.ofNullable(Json.readMap(outputs.get())).map(map -> map.get(reference.output())).orElse(null);
    var written = "${" + reference.expression() + "}";
    if (!(value instanceof List<?> items)) {
      return Optional.of("forEach %s is %s, not a list".formatted(written, describe(value)));
    }
    var ids = group.stream().map(Placeholder::id).toList();
    var keys = group.stream().map(Placeholder::key).toList();
    // a link between two tasks of the group is found from both ends
    var links = (cypher.query("""
            UNWIND $ids AS id
            MATCH (p:TaskNode {id: id}) USING INDEX SEEK p:TaskNode(id)
            CALL (p) {
              MATCH (q:TaskNode)-[:NEXT]->(p) RETURN q.id AS from, p.id AS to
              UNION
              MATCH (p)-[:NEXT]->(s:TaskNode) RETURN p.id AS from, s.id AS to
            }
            RETURN from, to""")
        .bind(ids).to("ids")
        .fetchAs(Link.class).mappedBy((types, row) -> new Link(row.get("from").asString(), row.get("to").asString()))
        .all().stream().distinct().toList());
    var tooBig = checkSize(experimentId, group.size(), items.size(), links, ids);
    if (tooBig.isPresent()) {
      return tooBig;
    }
    var groups = new ArrayList<Map<String, Object>>(group.size());
    for (var placeholder : group) {
      var members = new ArrayList<Map<String, Object>>(items.size());
      groups.add(Map.of("from", placeholder.id(), "nodes", members));
      var context = Json.readMap(placeholder.context());
      context.remove("forEach");
      for (int i = 0; i < items.size(); i++) {
        var item = items.get(i);
        var missing = missingField(context, item);
        if (missing.isPresent()) {
          return Optional.of("forEach %s: element %d has no field '%s' for ${item.%s} in task '%s'"
              .formatted(written, i, missing.get(), missing.get(), placeholder.key()));
        }
        var renamed = new HashMap<String, String>();
        for (var key : keys) {
          renamed.put(key, Expansion.memberKey(key, i));
        }
        @SuppressWarnings("unchecked")
        var member = new LinkedHashMap<>((Map<String, Object>) Placeholders.resolveMember(context, i, item, renamed));
        var key = Expansion.memberKey(placeholder.key(), i);
        member.put("taskKey", key);
        member.put("templateKey", placeholder.key());
        member.put("index", i);
        member.put("item", Placeholders.escape(item));
        var node = new HashMap<String, Object>();
        node.put("id", LiveDagPlan.taskId(experimentId, key));
        node.put("key", key);
        node.put("member", i);
        node.put("context", Json.write(member));
        node.put("outputsFrom", LiveDags.outputsFrom(member));
        members.add(node);
      }
    }
    // each member takes the links of its task's node to nodes outside the group, read once per task
    cypher.query("""
            UNWIND $groups AS g
            MATCH (p:TaskNode {id: g.from}) USING INDEX SEEK p:TaskNode(id)
            MATCH (e:Experiment)-[:HAS_TASK]->(p)
            WITH e, p, g, [(q:TaskNode)-[:NEXT]->(p) WHERE NOT q.id IN $ids | q] AS before,
                 [(p)-[:NEXT]->(s:TaskNode) WHERE NOT s.id IN $ids | s] AS after
            UNWIND g.nodes AS n
            CREATE (e)-[:HAS_TASK]->(t:TaskNode)<-[:HAS_MEMBER]-(p)
            // in one SET: the id of p, copied first, would break its uniqueness
            SET t = p {.*, id: n.id, key: n.key, member: n.member, context: n.context, outputsFrom: n.outputsFrom,
                       expandFrom: null, createdAt: $at}
            """ + States.labelled("t") + """
            FOREACH (q IN before | CREATE (q)-[:NEXT]->(t))
            FOREACH (s IN after | CREATE (t)-[:NEXT]->(s))""")
        .bindAll(Map.of("groups", groups, "ids", ids, "at", Cypher.utcNow())).run();
    var pairs = pairs(experimentId, keys, ids, items.size(), links);
    if (!pairs.isEmpty()) {
      cypher.query("""
              UNWIND $edges AS pair
              MATCH (a:TaskNode {id: pair[0]}) USING INDEX SEEK a:TaskNode(id)
              MATCH (b:TaskNode {id: pair[1]}) USING INDEX SEEK b:TaskNode(id)
              CREATE (a)-[:NEXT]->(b)""")
          .bind(pairs).to("edges").run();
    }
    updateReaders(experimentId, keys, items.size());
    cypher.query("""
            UNWIND $ids AS id
            MATCH (p:TaskNode {id: id}) USING INDEX SEEK p:TaskNode(id)
            SET p.state = $task.EXPANDED, p.members = $n, p.endedAt = $at, p.wakeAt = null
            """ + States.labelled("p"))
        .bindAll(Map.of("ids", ids, "n", items.size(), "at", Cypher.utcNow())).run();
    for (var key : keys) {
      TaskState.WAITING.moveTo(TaskState.EXPANDED);
      events.add(new LiveDags.PendingEvent(experimentId, "task.state", key, TaskState.EXPANDED.name(),
          "into %d member%s over %s".formatted(items.size(), items.size() == 1 ? "" : "s", written)));
    }
    return Optional.empty();
  }

  /** The dependencies between members of two tasks of the group: member {@code i} with member {@code i}. */
  private static List<List<String>> pairs(String experimentId, List<String> keys, List<String> ids, int n,
      List<Link> links) {
    var keyOf = new HashMap<String, String>();
    for (int g = 0; g < ids.size(); g++) {
      keyOf.put(ids.get(g), keys.get(g));
    }
    var edges = new ArrayList<List<String>>();
    for (var link : links) {
      var from = keyOf.get(link.from());
      var to = keyOf.get(link.to());
      if (from != null && to != null) {
        for (int i = 0; i < n; i++) {
          edges.add(List.of(LiveDagPlan.taskId(experimentId, Expansion.memberKey(from, i)),
              LiveDagPlan.taskId(experimentId, Expansion.memberKey(to, i))));
        }
      }
    }
    return edges;
  }

  private Optional<String> checkSize(String experimentId, int groupSize, int n, List<Link> links, List<String> ids) {
    var counts = cypher.query("""
            MATCH (e:Experiment {id: $id})-[:HAS_TASK]->(t:TaskNode)
            RETURN count(t) AS nodes, sum(COUNT { (t)-[:NEXT]->() }) AS edges""")
        .bind(experimentId).to("id")
        .fetchAs(long[].class).mappedBy((types, row) -> new long[] {row.get("nodes").asLong(), row.get("edges").asLong()})
        .one().orElse(new long[2]);
    long nodes = counts[0] + (long) groupSize * n;
    long edges = counts[1] + (long) links.size() * n;
    if (nodes > maxExpansion) {
      return Optional.of("expanding %s into %d members each would give the experiment %d task nodes; at most %d are allowed (weft.dag.max-expansion)"
          .formatted(String.join(", ", ids.stream().map(id -> id.substring(experimentId.length() + 1)).toList()), n, nodes,
              maxExpansion));
    }
    if (edges > (long) maxExpansion * LiveDagPlan.EDGES_PER_NODE) {
      return Optional.of("expanding into %d members would give the experiment %d dependencies; at most %d are allowed (%d per node of weft.dag.max-expansion)"
          .formatted(n, edges, (long) maxExpansion * LiveDagPlan.EDGES_PER_NODE, LiveDagPlan.EDGES_PER_NODE));
    }
    return Optional.empty();
  }

  /** Tells the nodes that gather the outputs of tasks {@code keys} that they have {@code n} members. */
  private void updateReaders(String experimentId, List<String> keys, int n) {
    var readers = cypher.query("""
            MATCH (x:TaskNode {experimentId: $id})
            WHERE any(k IN coalesce(x.fansInFrom, []) WHERE k IN $keys)
            RETURN x.id AS id, x.context AS context""")
        .bindAll(Map.of("id", experimentId, "keys", keys))
        .fetchAs(Reader.class).mappedBy((types, row) -> new Reader(row.get("id").asString(), row.get("context").asString()))
        .all();
    if (readers.isEmpty()) {
      return;
    }
    var rows = new ArrayList<Map<String, Object>>();
    for (var reader : readers) {
      var context = Json.readMap(reader.context());
      @SuppressWarnings("unchecked")
      var counts = new LinkedHashMap<String, Object>((Map<String, Object>) context.get("members"));
      keys.stream().filter(counts::containsKey).forEach(key -> counts.put(key, n));
      context.put("members", counts);
      rows.add(Map.of("id", reader.id(), "context", Json.write(context), "outputsFrom", LiveDags.outputsFrom(context)));
    }
    cypher.query("""
            UNWIND $rows AS r
            MATCH (x:TaskNode {id: r.id}) USING INDEX SEEK x:TaskNode(id)
            SET x.context = r.context, x.outputsFrom = r.outputsFrom""")
        .bind(rows).to("rows").run();
  }

  /** The first {@code ${item.NAME}} of {@code context} that {@code item} has no field for. */
  private static Optional<String> missingField(Map<String, Object> context, Object item) {
    for (var reference : Placeholders.find(context)) {
      if (reference instanceof Placeholders.ItemReference it && it.field() != null
          && !(item instanceof Map<?, ?> fields && fields.containsKey(it.field()))) {
        return Optional.of(it.field());
      }
    }
    return Optional.empty();
  }

  private static String describe(Object value) {
    if (value == null) {
      return "missing";
    }
    if (value instanceof Map<?, ?>) {
      return "an object";
    }
    return value instanceof String ? "a string" : value instanceof Boolean ? "a boolean" : "a number";
  }
}
