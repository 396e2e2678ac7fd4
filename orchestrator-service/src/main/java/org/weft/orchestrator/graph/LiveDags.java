package org.weft.orchestrator.graph;

import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.UUID;
import org.neo4j.driver.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Service;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.lifecycle.ReplicaState;
import org.weft.orchestrator.lifecycle.TaskState;
import org.weft.orchestrator.model.LiveDagViews.Dag;
import org.weft.orchestrator.model.LiveDagViews.Edge;
import org.weft.orchestrator.model.LiveDagViews.Event;
import org.weft.orchestrator.model.LiveDagViews.Experiment;
import org.weft.orchestrator.model.LiveDagViews.ExperimentFilter;
import org.weft.orchestrator.model.LiveDagViews.NewExperiment;
import org.weft.orchestrator.model.LiveDagViews.Replica;
import org.weft.orchestrator.model.LiveDagViews.TaskNode;
import org.weft.orchestrator.model.MasterDagView;
import org.weft.orchestrator.model.Page;
import org.weft.orchestrator.model.StoredEvent;
import org.weft.orchestrator.template.DagProperties;
import org.weft.orchestrator.template.Expansion;
import org.weft.orchestrator.template.ExperimentInputs;
import org.weft.orchestrator.template.InvalidInputsException;
import org.weft.orchestrator.template.Json;
import org.weft.orchestrator.template.LiveDagPlan;
import org.weft.orchestrator.template.MasterDagDocument;
import org.weft.orchestrator.template.Placeholders;
import org.weft.orchestrator.template.Speculative;

/** Experiments and their live DAGs in Neo4j. All Cypher is parameterised. */
@Service
public class LiveDags {

  private final Neo4jClient neo4j;
  private final DagProperties properties;
  private final EventOutbox outbox;

  LiveDags(Neo4jClient neo4j, DagProperties properties, EventOutbox outbox) {
    this.neo4j = neo4j;
    this.properties = properties;
    this.outbox = outbox;
  }

  /**
   * Checks the inputs against the template and lays out the experiment and its live DAG, writing
   * nothing.
   *
   * @throws InvalidInputsException naming every input that does not fit
   */
  /** @param resources the names of the compute resources configured here */
  public NewLiveDag plan(NewExperiment request, MasterDagView template, java.util.Set<String> resources) {
    var inputs = ExperimentInputs.resolve(template.document(), request.inputs());
    var id = UUID.randomUUID().toString();
    var plan = LiveDagPlan.of(id, template.document(), template.version(), inputs, properties.defaults(), resources,
        properties.maxExpansion());
    var now = ZonedDateTime.now(ZoneOffset.UTC);
    var experiment = new HashMap<String, Object>();
    experiment.put("id", id);
    experiment.put("type", template.type());
    experiment.put("templateVersion", template.version());
    experiment.put("name", request.name());
    experiment.put("owner", request.owner());
    experiment.put("gatewayId", request.gatewayId());
    experiment.put("submittedBy", request.submittedBy());
    experiment.put("priority", request.priority());
    experiment.put("state", ExperimentState.CREATED.name());
    experiment.put("inputs", Json.write(inputs));
    experiment.put("createdAt", now);
    experiment.put("idempotencyKey", request.idempotencyKey());
    var retain = request.retain() != null ? MasterDagDocument.Retain.of(request.retain())
        : template.document().dataPolicy().retainOrDefault();
    if (retain != MasterDagDocument.Retain.ALL) {
      // read once it completes (ExperimentMoves.COMPLETE)
      experiment.put("retain", retain.value());
    }
    // a node with a condition or an expansion is settled by Gates, which look only at experiments
    // flagged gated and after the success of a node flagged as gating one
    var gated = new java.util.HashSet<String>();
    var dynamic = new java.util.HashSet<String>();
    plan.tasks().stream().filter(task -> task.context().get("when") != null || task.context().get("forEach") != null)
        .forEach(task -> gated.add(task.id()));
    plan.tasks().stream().filter(task -> task.context().get("forEach") != null).forEach(task -> dynamic.add(task.key()));
    var gating = new java.util.HashSet<String>();
    plan.edges().stream().filter(edge -> gated.contains(edge.to())).forEach(edge -> gating.add(edge.from()));
    // a tolerated failure settles what waited for the member that failed
    boolean tolerates = plan.tasks().stream().anyMatch(task -> task.context().get("minSucceeded") != null);
    experiment.put("gated", !gated.isEmpty() || tolerates);
    var tasks = plan.tasks().stream().map(task -> {
      var node = new HashMap<String, Object>(Map.ofEntries(
          Map.entry("id", task.id()), Map.entry("key", task.key()), Map.entry("position", task.position()),
          Map.entry("taskType", task.taskType()), Map.entry("state", task.state().name()),
          Map.entry("maxAttempts", task.maxAttempts()), Map.entry("context", Json.write(task.context())),
          Map.entry("backoffMs", task.timing().backoffMs()), Map.entry("timeLimitMs", task.timing().timeLimitMs()),
          Map.entry("heartbeatTimeoutMs", task.timing().heartbeatTimeoutMs()),
          Map.entry("templateKey", task.templateKey()), Map.entry("member", task.member()),
          Map.entry("outputsFrom", outputsFrom(task.context())), Map.entry("gates", gating.contains(task.id()))));
      if (task.context().get("when") != null) {
        node.put("condition", task.context().get("when"));
      }
      if (task.context().get("forEach") != null) {
        node.put("expandFrom", task.context().get("forEach"));
      }
      if (task.context().get("minSucceeded") != null) {
        node.put("minSucceeded", String.valueOf(task.context().get("minSucceeded")));
      }
      // a replica of a straggling member is decided by the owner's timers, from these
      Speculative.of(task.context().get("speculative")).ifPresent(speculative -> {
        node.put("speculative", true);
        if (speculative.multiplier() != null) {
          node.put("speculationMultiplier", speculative.multiplier());
        }
        if (speculative.minimum() != null) {
          node.put("speculationMinMs", speculative.minimum().toMillis());
        }
      });
      var fansIn = fansInFrom(task.context(), dynamic);
      if (!fansIn.isEmpty()) {
        node.put("fansInFrom", fansIn);
      }
      return (Map<String, Object>) node;
    }).toList();
    var positions = new HashMap<String, Integer>();
    plan.tasks().forEach(task -> positions.put(task.id(), task.position()));
    var edges = plan.edges().stream()
        .map(edge -> List.of(positions.get(edge.from()), positions.get(edge.to()))).toList();
    return new NewLiveDag(id, request.templateVersion() == null, experiment, tasks, edges,
        new PendingEvent(id, "experiment.state", null,
        ExperimentState.CREATED.name(),
        "from master DAG %s version %d with %d tasks".formatted(template.type(), template.version(), tasks.size())));
  }

  /**
   * An experiment and its live DAG, checked and ready to be written by {@link Launches#createAndLaunch}.
   *
   * @param id     the new experiment's id
   * @param latest whether it asked for the newest version of its template, which is then checked
   *               to still be the newest when it is written
   */
  public record NewLiveDag(String id, boolean latest, Map<String, Object> experiment, List<Map<String, Object>> tasks,
      List<List<Integer>> edges, PendingEvent created) {

    /** The same, written whatever versions its template has by then. */
    public NewLiveDag pinned() {
      return new NewLiveDag(id, false, experiment, tasks, edges, created);
    }
  }

  /**
   * The keys of the upstream tasks whose outputs a context names, which the statement applying
   * results reads along with each node it dispatches.
   */
  static List<String> outputsFrom(Map<String, Object> context) {
    var members = context.get("members") instanceof Map<?, ?> map ? map : Map.of();
    var keys = new java.util.LinkedHashSet<String>();
    for (var reference : Placeholders.find(context)) {
      if (reference instanceof Placeholders.TaskOutputReference out) {
        if (members.get(out.taskKey()) instanceof Number count) {
          for (int i = 0; i < count.intValue(); i++) {
            keys.add(Expansion.memberKey(out.taskKey(), i));
          }
        } else {
          keys.add(out.taskKey());
        }
      }
    }
    return List.copyOf(keys);
  }

  /**
   * The dynamic tasks (among {@code dynamic}) whose members a context gathers, as a fan-in: its
   * {@code members} and {@code outputsFrom} are completed when they are expanded.
   */
  static List<String> fansInFrom(Map<String, Object> context, java.util.Set<String> dynamic) {
    if (!(context.get("members") instanceof Map<?, ?> members)) {
      return List.of();
    }
    return members.keySet().stream().map(String::valueOf).filter(dynamic::contains).sorted().toList();
  }

  /**
   * Creates experiments {@code $experiments}, each with its task nodes and the edges between them,
   * leaving {@code e}, {@code x} and {@code nodes} (the task nodes in position order). A row
   * {@code x}: {@code experiment} (properties), {@code tasks} (properties of each task node),
   * {@code edges} (pairs of positions in {@code tasks}), {@code created} (the creation event) and
   * {@code latest}. One planned from what was the newest version of its template is not created
   * if a newer one is there now: the caller plans it again. The edges join nodes the statement
   * holds, so linking them reads nothing (looked up by their ids, each end took a seek and an index
   * entry lock).
   */
  static final String CREATE_LIVE_DAGS = """
      UNWIND $experiments AS x
      MATCH (m:MasterDag {type: x.experiment.type, version: x.experiment.templateVersion})
      USING INDEX SEEK m:MasterDag(type, version)
      WHERE NOT x.latest OR NOT EXISTS { MATCH (n:MasterDag {type: m.type}) WHERE n.version > m.version }
      CREATE (e:Experiment)-[:INSTANCE_OF]->(m)
      SET e = x.experiment, e.eventSeq = 0, e.publishedSeq = 0
      WITH e, x
      CALL (e, x) {
        UNWIND x.tasks AS task
        CREATE (e)-[:HAS_TASK]->(t:TaskNode)
        SET t += task, t.experimentId = e.id, t.isExecuted = false, t.attempt = 0, t.createdAt = e.createdAt
        """ + States.labelled("t") + """
        WITH t ORDER BY t.position
        RETURN collect(t) AS nodes
      }
      CALL (x, nodes) {
        UNWIND x.edges AS edge
        WITH nodes[edge[0]] AS a, nodes[edge[1]] AS b
        CREATE (a)-[:NEXT]->(b)
      }
      // the members of a task repeated over inputs, gathered under one node as a task repeated over
      // an upstream output has its own: Browser draws each group together
      CALL (e, nodes) {
        UNWIND nodes AS m
        WITH e, m WHERE m.member >= 0
        WITH e, m.templateKey AS key, collect(m) AS members
        CREATE (g:TaskGroup {experimentId: e.id, key: key, members: size(members)})
        FOREACH (m IN members | CREATE (g)-[:HAS_MEMBER]->(m))
      }
      """;

  /** The rows {@link #CREATE_LIVE_DAGS} takes, with creation events at {@code at}. */
  static List<Map<String, Object>> rows(List<NewLiveDag> dags, ZonedDateTime at) {
    return dags.stream().map(dag -> {
      var created = new HashMap<String, Object>();
      created.put("type", dag.created().type());
      created.put("state", dag.created().state());
      created.put("detail", dag.created().detail());
      created.put("at", at);
      return Map.<String, Object>of("experiment", dag.experiment(), "tasks", dag.tasks(), "edges", dag.edges(),
          "created", created, "latest", dag.latest());
    }).toList();
  }

  /** Records one state change in the experiment's audit trail, in the caller's transaction. */
  public void appendEvent(String experimentId, String type, String taskKey, String state, String detail) {
    appendEvents(List.of(new PendingEvent(experimentId, type, taskKey, state, detail)));
  }

  /** A state change to record in an audit trail. */
  public record PendingEvent(String experimentId, String type, String taskKey, String state, String detail) {}

  /**
   * Numbers and writes the events of each group {@code g} ({@code id}, {@code events}: the properties
   * of each event), leaving {@code e} and {@code base} (the number before the group's first). The
   * counter is raised in the {@code SET} itself, which makes Neo4j
   * take the experiment's write lock before reading it (read into a variable first, two concurrent
   * appends could both read the same value and write the same numbers). The experiment is flagged
   * as having events to publish; the publisher clears the flag once they are all out. A group is
   * stored as one node holding its events in lists (see {@link StoredEvents}): a node and an index
   * entry per event cost the engine about a quarter of its CPU per task.
   */
  static final String NUMBER_EVENTS = """
      MATCH (e:Experiment {id: g.id}) USING INDEX SEEK e:Experiment(id)
      """ + LiveDags.RECORD_EVENTS;

  /**
   * Numbers and writes the events {@code g.events} of the experiment {@code e}, as
   * {@link #NUMBER_EVENTS} does, keeping every variable and adding {@code base}.
   */
  static final String RECORD_EVENTS = """
      SET e.eventSeq = e.eventSeq + size(g.events), e.eventsPending = true, e.lastEventAt = $now
      WITH *, e.eventSeq - size(g.events) AS base
      CREATE (:Event {experimentId: e.id, seq: base + 1, last: base + size(g.events), at: g.events[0].at,
          types: [ev IN g.events | ev.type], taskKeys: [ev IN g.events | coalesce(ev.taskKey, '')],
          states: [ev IN g.events | ev.state], details: [ev IN g.events | coalesce(ev.detail, '')]})
      """;

  /** Appends groups of events {@code $groups} to the audit trail ({@link #NUMBER_EVENTS}). */
  static final String APPEND_EVENTS = """
      UNWIND $groups AS g
      """ + NUMBER_EVENTS + """
      RETURN e.id AS id, base""";

  /**
   * Records many state changes in one statement, in the caller's transaction; each experiment's
   * events keep their order and take consecutive sequence numbers. They go to the {@link EventOutbox}
   * to be published once the transaction commits.
   */
  public void appendEvents(List<PendingEvent> events) {
    if (events.isEmpty()) {
      return;
    }
    var at = ZonedDateTime.now(ZoneOffset.UTC);
    // in id order, so that transactions appending to the same experiments lock them in the same order
    var byExperiment = new TreeMap<String, List<PendingEvent>>();
    for (var event : events) {
      byExperiment.computeIfAbsent(event.experimentId(), id -> new ArrayList<>()).add(event);
    }
    var groups = byExperiment.entrySet().stream().map(group -> Map.<String, Object>of("id", group.getKey(),
        "events", group.getValue().stream().map(event -> {
          var properties = new HashMap<String, Object>();
          properties.put("type", event.type());
          properties.put("taskKey", event.taskKey());
          properties.put("state", event.state());
          properties.put("detail", event.detail());
          properties.put("at", at);
          return properties;
        }).toList())).toList();
    neo4j.query(APPEND_EVENTS)
        .bindAll(Map.of("groups", groups, "now", at.toInstant().toEpochMilli()))
        .fetch().all()
        .forEach(row -> {
          var experimentId = (String) row.get("id");
          reserve(experimentId, ((Number) row.get("base")).longValue(), at, byExperiment.get(experimentId));
        });
  }

  /** Holds an experiment's events, numbered from {@code base + 1}, for publishing after the commit. */
  private void reserve(String experimentId, long base, ZonedDateTime at, List<PendingEvent> events) {
    var stored = new ArrayList<StoredEvent>(events.size());
    for (int i = 0; i < events.size(); i++) {
      var event = events.get(i);
      stored.add(new StoredEvent(experimentId, base + i + 1, at.toInstant(), event.type(), event.taskKey(),
          event.state(), event.detail()));
    }
    outbox.reserve(experimentId, stored);
  }

  /**
   * Holds for publishing the events another statement numbered with {@link #NUMBER_EVENTS} (rows of
   * {@code id}, {@code base} and {@code events}), in the caller's transaction.
   */
  void reserveAppended(List<Rows.Appended> appended, ZonedDateTime at) {
    for (var row : appended) {
      reserve(row.experimentId(), row.base(), at, row.events());
    }
  }


  /**
   * Links a child experiment to the node of its parent that runs it, and to the attempt it answers:
   * {@code (parent)-[:HAS_CHILD]->(child)}. Doing it again changes nothing.
   */
  public void linkChild(String parentId, String parentTaskId, String dispatchId, int attempt, String childId) {
    neo4j.query("""
            MATCH (p:Experiment {id: $parentId}) USING INDEX SEEK p:Experiment(id)
            MATCH (c:Experiment {id: $childId}) USING INDEX SEEK c:Experiment(id)
            MERGE (p)-[:HAS_CHILD]->(c)
            SET c.parentId = $parentId, c.parentTaskId = $parentTaskId, c.parentDispatchId = $dispatchId,
                c.parentAttempt = $attempt""")
        .bindAll(Map.of("parentId", parentId, "childId", childId, "parentTaskId", parentTaskId, "dispatchId", dispatchId,
            "attempt", attempt))
        .run();
  }

  /** How a child experiment ended, and the attempt of its parent's node it answers. */
  public record EndedChild(String childId, ExperimentState state, String reason, Map<String, Object> outputs,
      String parentId, String parentTaskId, String parentDispatchId, int parentAttempt) {}

  /** Those of experiments {@code ids} that are children and have ended. */
  public List<EndedChild> endedChildren(java.util.Collection<String> ids) {
    return List.copyOf(neo4j.query("""
            UNWIND $ids AS id
            MATCH (c:Experiment {id: id}) USING INDEX SEEK c:Experiment(id)
            WHERE c.parentTaskId IS NOT NULL AND NOT c.state IN $active
            RETURN c.id AS id, c.state AS state, c.reason AS reason, c.outputs AS outputs, c.parentId AS parentId,
                   c.parentTaskId AS parentTaskId, c.parentDispatchId AS dispatchId, c.parentAttempt AS attempt""")
        .bindAll(Map.of("ids", List.copyOf(ids), "active", States.active()))
        .fetchAs(EndedChild.class).mappedBy((types, row) -> new EndedChild(row.get("id").asString(),
            ExperimentState.valueOf(row.get("state").asString()), Rows.text(row.get("reason")),
            Json.readMap(Rows.text(row.get("outputs"))), row.get("parentId").asString(),
            row.get("parentTaskId").asString(), row.get("dispatchId").asString(), row.get("attempt").asInt()))
        .all());
  }

  /** The child experiments of {@code parentId} that have not ended. */
  public List<String> activeChildren(String parentId) {
    return List.copyOf(neo4j.query("""
            MATCH (:Experiment {id: $id})-[:HAS_CHILD]->(c:Experiment)
            WHERE c.state IN $active
            RETURN c.id""")
        .bindAll(Map.of("id", parentId, "active", States.active()))
        .fetchAs(String.class).all());
  }

  public Optional<String> findByIdempotencyKey(String key) {
    return neo4j.query("MATCH (e:Experiment {idempotencyKey: $key}) RETURN e.id AS id")
        .bind(key).to("key").fetchAs(String.class).one();
  }

  public Optional<Experiment> find(String id) {
    return neo4j.query("""
            MATCH (e:Experiment {id: $id})
            OPTIONAL MATCH (e)-[:HAS_TASK]->(t:TaskNode)
            WITH e, t.state AS state, count(t) AS n
            // grouped by the node, not by its projection: a commit between two rows must not split it
            WITH e, collect({state: state, count: n}) AS counts
            RETURN e {.*} AS experiment, counts""")
        .bind(id).to("id")
        .fetchAs(Experiment.class).mappedBy((types, row) -> experiment(row.get("experiment"), row.get("counts")))
        .one();
  }

  public Page<Experiment> list(ExperimentFilter filter, int page, int size) {
    var parameters = new HashMap<String, Object>();
    parameters.put("state", filter.state() == null ? null : filter.state().name());
    parameters.put("type", filter.type());
    parameters.put("gatewayId", filter.gatewayId());
    parameters.put("skip", (long) page * size);
    parameters.put("limit", size);
    var where = """
        WHERE e.createdAt IS NOT NULL
          AND ($state IS NULL OR e.state = $state)
          AND ($type IS NULL OR e.type = $type)
          AND ($gatewayId IS NULL OR e.gatewayId = $gatewayId)""";
    var items = neo4j.query("""
            MATCH (e:Experiment)
            %s
            WITH e ORDER BY e.createdAt DESC, e.id DESC SKIP $skip LIMIT $limit
            OPTIONAL MATCH (e)-[:HAS_TASK]->(t:TaskNode)
            WITH e, t.state AS state, count(t) AS n
            WITH e, collect({state: state, count: n}) AS counts
            RETURN e {.*} AS experiment, counts
            ORDER BY e.createdAt DESC, e.id DESC""".formatted(where))
        .bindAll(parameters)
        .fetchAs(Experiment.class).mappedBy((types, row) -> experiment(row.get("experiment"), row.get("counts")))
        .all().stream().toList();
    long total = neo4j.query("MATCH (e:Experiment) " + where + " RETURN count(e) AS total")
        .bindAll(parameters).fetchAs(Long.class).one().orElse(0L);
    return new Page<>(items, page, size, total);
  }

  public Optional<Dag> dag(String id) {
    if (!exists(id)) {
      return Optional.empty();
    }
    var nodes = neo4j.query("""
            MATCH (:Experiment {id: $id})-[:HAS_TASK]->(t:TaskNode)
            // the members of a dynamic task share its node's position
            RETURN t {.*} AS node ORDER BY t.position, coalesce(t.member, -1)""")
        .bind(id).to("id")
        .fetchAs(TaskNode.class).mappedBy((types, row) -> taskNode(row.get("node")))
        .all().stream().toList();
    var edges = neo4j.query("""
            MATCH (:Experiment {id: $id})-[:HAS_TASK]->(a:TaskNode)-[:NEXT]->(b:TaskNode)
            RETURN a.key AS from, b.key AS to ORDER BY from, to""")
        .bind(id).to("id")
        .fetchAs(Edge.class).mappedBy((types, row) -> new Edge(row.get("from").asString(), row.get("to").asString()))
        .all().stream().toList();
    return Optional.of(new Dag(id, nodes, edges));
  }

  public Optional<List<Event>> events(String id) {
    if (!exists(id)) {
      return Optional.empty();
    }
    return Optional.of(eventsAfter(id, 0));
  }

  /** The experiment's events numbered above {@code after}, oldest first. */
  public List<Event> eventsAfter(String id, long after) {
    return neo4j.query("""
            MATCH (v:Event {experimentId: $id}) WHERE v.last > $after
            RETURN v {.*} AS events ORDER BY v.seq""")
        .bindAll(Map.of("id", id, "after", after))
        .fetchAs(StoredEvents.Group.class).mappedBy((types, row) -> StoredEvents.group(row.get("events"))).all().stream()
        .flatMap(group -> group.events().stream())
        .filter(v -> v.seq() > after)
        .map(v -> new Event(v.seq(), v.at(), v.type(), v.taskKey(), v.state(), v.detail()))
        .toList();
  }

  /** How many experiments of the gateway have not ended. */
  public long countActive(String gatewayId) {
    return neo4j.query("""
            MATCH (e:Experiment) WHERE e.gatewayId = $gateway AND e.state IN $active
            RETURN count(e) AS running""")
        .bindAll(Map.of("gateway", gatewayId,
            "active", ExperimentState.active().stream().map(Enum::name).toList()))
        .fetchAs(Long.class).one().orElse(0L);
  }

  /** The gateway of each of these experiments that has one. */
  public Map<String, String> gatewaysOf(java.util.Collection<String> ids) {
    var gateways = new HashMap<String, String>();
    neo4j.query("""
            UNWIND $ids AS id
            MATCH (e:Experiment {id: id}) WHERE e.gatewayId IS NOT NULL
            RETURN e.id AS id, e.gatewayId AS gatewayId""")
        .bind(List.copyOf(ids)).to("ids")
        .fetch().all()
        .forEach(row -> gateways.put((String) row.get("id"), (String) row.get("gatewayId")));
    return gateways;
  }

  public boolean exists(String id) {
    return neo4j.query("MATCH (e:Experiment {id: $id}) RETURN count(e) > 0 AS found")
        .bind(id).to("id").fetchAs(Boolean.class).one().orElse(false);
  }

  private static Experiment experiment(Value e, Value counts) {
    var taskCounts = new EnumMap<TaskState, Long>(TaskState.class);
    for (var state : TaskState.values()) {
      taskCounts.put(state, 0L);
    }
    for (var count : counts.values()) {
      if (!count.get("state").isNull()) {
        taskCounts.put(TaskState.valueOf(count.get("state").asString()), count.get("count").asLong());
      }
    }
    return new Experiment(e.get("id").asString(), e.get("type").asString(), e.get("templateVersion").asInt(),
        Rows.text(e.get("name")), Rows.text(e.get("owner")), Rows.text(e.get("gatewayId")),
        Rows.text(e.get("submittedBy")), e.get("priority", 0),
        ExperimentState.valueOf(e.get("state").asString()), Rows.text(e.get("reason")),
        Json.readMap(Rows.text(e.get("inputs"))), Json.readMap(Rows.text(e.get("outputs"))),
        Rows.instant(e.get("createdAt")), Rows.instant(e.get("startedAt")), Rows.instant(e.get("endedAt")), taskCounts);
  }

  private static TaskNode taskNode(Value t) {
    int member = t.get("member", -1);
    return new TaskNode(t.get("id").asString(), t.get("key").asString(), t.get("templateKey", t.get("key").asString()),
        member < 0 ? null : member, t.get("taskType").asString(),
        TaskState.valueOf(t.get("state").asString()), t.get("tolerated", false), t.get("isExecuted", false), t.get("attempt", 0),
        t.get("maxAttempts", 1), Json.readMap(Rows.text(t.get("context"))), Json.readMap(Rows.text(t.get("outputs"))),
        Json.readMap(Rows.text(t.get("error"))), Rows.text(t.get("dispatchId")), Rows.text(t.get("workerId")),
        Rows.instant(t.get("startedAt")), Rows.instant(t.get("endedAt")),
        t.get("reexecutions").isNull() ? List.of() : t.get("reexecutions").asList(Value::asString),
        t.get("replicaState").isNull() ? null : new Replica(t.get("replicaAttempt", 0),
            ReplicaState.valueOf(t.get("replicaState").asString()), Rows.instant(t.get("replicaStartedAt"))));
  }
}
