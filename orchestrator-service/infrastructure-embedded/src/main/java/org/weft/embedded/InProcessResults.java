package org.weft.embedded;

import java.lang.reflect.Array;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.neo4j.driver.Query;
import org.neo4j.driver.Record;
import org.neo4j.driver.Result;
import org.neo4j.driver.Value;
import org.neo4j.driver.Values;
import org.neo4j.driver.exceptions.ClientException;
import org.neo4j.driver.exceptions.DatabaseException;
import org.neo4j.driver.exceptions.Neo4jException;
import org.neo4j.driver.exceptions.NoSuchRecordException;
import org.neo4j.driver.exceptions.TransientException;
import org.neo4j.driver.internal.InternalNode;
import org.neo4j.driver.internal.InternalPath;
import org.neo4j.driver.internal.InternalRecord;
import org.neo4j.driver.internal.InternalRelationship;
import org.neo4j.driver.internal.util.QueryKeys;
import org.neo4j.driver.summary.DatabaseInfo;
import org.neo4j.driver.summary.GqlStatusObject;
import org.neo4j.driver.summary.Notification;
import org.neo4j.driver.summary.Plan;
import org.neo4j.driver.summary.ProfiledPlan;
import org.neo4j.driver.summary.QueryType;
import org.neo4j.driver.summary.ResultSummary;
import org.neo4j.driver.summary.ServerInfo;
import org.neo4j.driver.summary.SummaryCounters;
import org.neo4j.graphdb.Entity;
import org.neo4j.graphdb.Node;
import org.neo4j.graphdb.Path;
import org.neo4j.graphdb.QueryExecutionException;
import org.neo4j.graphdb.QueryStatistics;
import org.neo4j.graphdb.Relationship;
import org.neo4j.kernel.api.exceptions.Status;
import org.neo4j.values.storable.DurationValue;

/**
 * What crosses between the driver's types and the embedded database's: parameters in, rows out
 * (read to the end while the statement runs; nodes, relationships and paths become the driver's own
 * types, built with its internal classes, the only public way to make them), and failures
 * as the driver's exceptions with Neo4j's status codes, so that Spring Data Neo4j translates them
 * as it translates those that come over Bolt (a deadlock is transient, a constraint violation a
 * data integrity violation).
 */
final class InProcessResults {

  private InProcessResults() {}

  /**
   * Runs work against the embedded database with the calling thread's interrupt held back, and
   * failures translated. Neo4j's internals are not interrupt-safe: a pending interrupt turns the
   * file I/O of a read or a commit into {@code ClosedByInterruptException}, which can close the
   * transaction log and leave the whole database unusable until it restarts. Over Bolt only Neo4j's
   * own threads ran this code; in process it runs on the caller's. The interrupt is restored after.
   */
  static <T> T shielded(Supplier<T> work) {
    boolean interrupted = Thread.interrupted();
    try {
      return work.get();
    } catch (RuntimeException e) {
      throw translate(e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  static void shielded(Runnable work) {
    shielded(() -> {
      work.run();
      return null;
    });
  }

  /** A statement's parameters as the embedded database takes them: plain Java values. */
  static Map<String, Object> parameters(Map<String, Object> parameters) {
    if (parameters == null || parameters.isEmpty()) {
      return Map.of();
    }
    var plain = new HashMap<String, Object>(parameters.size() * 2);
    parameters.forEach((key, value) -> plain.put(key, plain(value)));
    return plain;
  }

  static Map<String, Object> parameters(Value parameters) {
    return parameters == null || parameters.isNull() ? Map.of() : parameters(parameters.asMap());
  }

  static Map<String, Object> parameters(Record parameters) {
    return parameters == null ? Map.of() : parameters(parameters.asMap());
  }

  private static Object plain(Object value) {
    if (value instanceof Value driverValue) {
      return driverValue.isNull() ? null : plain(driverValue.asObject());
    }
    if (value instanceof Map<?, ?> map) {
      var plain = new LinkedHashMap<String, Object>(map.size() * 2);
      map.forEach((key, item) -> plain.put(String.valueOf(key), plain(item)));
      return plain;
    }
    if (value instanceof Collection<?> collection) {
      var plain = new ArrayList<Object>(collection.size());
      collection.forEach(item -> plain.add(plain(item)));
      return plain;
    }
    return value;
  }

  /** A value of a row as the driver would have received it over Bolt. */
  static Value value(Object value) {
    if (value == null) {
      return Values.NULL;
    }
    if (value instanceof Node node) {
      return node(node).asValue();
    }
    if (value instanceof Relationship relationship) {
      return relationship(relationship).asValue();
    }
    if (value instanceof Path path) {
      // a path is iterable: checked before lists. Alternating nodes and relationships, as InternalPath takes them
      var entities = new ArrayList<org.neo4j.driver.types.Entity>();
      for (var entity : path) {
        entities.add(entity instanceof Node node ? node(node) : relationship((Relationship) entity));
      }
      return new InternalPath(entities).asValue();
    }
    if (value instanceof DurationValue duration) {
      // the database's own type; Bolt sends its four components
      return Values.isoDuration(duration.get(ChronoUnit.MONTHS), duration.get(ChronoUnit.DAYS),
          duration.get(ChronoUnit.SECONDS), (int) duration.get(ChronoUnit.NANOS));
    }
    if (value instanceof Map<?, ?> map) {
      var values = new LinkedHashMap<String, Object>(map.size() * 2);
      map.forEach((key, item) -> values.put(String.valueOf(key), value(item)));
      return Values.value(values);
    }
    if (value instanceof Iterable<?> items) {
      var values = new ArrayList<Object>();
      items.forEach(item -> values.add(value(item)));
      return Values.value(values);
    }
    if (value.getClass().isArray()) {
      // array properties: Bolt sends them as lists
      int length = Array.getLength(value);
      var values = new ArrayList<Object>(length);
      for (int i = 0; i < length; i++) {
        values.add(value(Array.get(value, i)));
      }
      return Values.value(values);
    }
    return Values.value(value);
  }

  private static InternalNode node(Node node) {
    var labels = new ArrayList<String>();
    node.getLabels().forEach(label -> labels.add(label.name()));
    return new InternalNode(node.getId(), node.getElementId(), labels, properties(node));
  }

  private static InternalRelationship relationship(Relationship relationship) {
    var start = relationship.getStartNode();
    var end = relationship.getEndNode();
    return new InternalRelationship(relationship.getId(), relationship.getElementId(), start.getId(),
        start.getElementId(), end.getId(), end.getElementId(), relationship.getType().name(), properties(relationship));
  }

  private static Map<String, Value> properties(Entity entity) {
    var properties = new LinkedHashMap<String, Value>();
    entity.getAllProperties().forEach((key, item) -> properties.put(key, value(item)));
    return properties;
  }

  /** Reads a statement's result to its end: its rows, and what it did. */
  static Buffered read(String text, org.neo4j.graphdb.Result result) {
    var keys = List.copyOf(result.columns());
    // one index of the keys for all rows: a record given only the list builds its own
    var queryKeys = new QueryKeys(keys);
    var records = new ArrayList<Record>();
    while (result.hasNext()) {
      var row = result.next();
      var values = new ArrayList<Value>(keys.size());
      for (var key : keys) {
        values.add(value(row.get(key)));
      }
      records.add(new InternalRecord(queryKeys, values));
    }
    return new Buffered(keys, records, new Summary(new Query(text), counters(result.getQueryStatistics()),
        queryType(result.getQueryExecutionType())));
  }

  private static QueryType queryType(org.neo4j.graphdb.QueryExecutionType type) {
    return switch (type.queryType()) {
      case READ_ONLY -> QueryType.READ_ONLY;
      case READ_WRITE -> QueryType.READ_WRITE;
      case WRITE -> QueryType.WRITE_ONLY;
      case SCHEMA_WRITE, DBMS -> QueryType.SCHEMA_WRITE;
    };
  }

  private static SummaryCounters counters(QueryStatistics statistics) {
    return new Counters(statistics.containsUpdates(), statistics.getNodesCreated(), statistics.getNodesDeleted(),
        statistics.getRelationshipsCreated(), statistics.getRelationshipsDeleted(), statistics.getPropertiesSet(),
        statistics.getLabelsAdded(), statistics.getLabelsRemoved(), statistics.getIndexesAdded(),
        statistics.getIndexesRemoved(), statistics.getConstraintsAdded(), statistics.getConstraintsRemoved(),
        statistics.containsSystemUpdates(), statistics.getSystemUpdates());
  }

  /**
   * A failure of the embedded database as the driver reports the same failure from a server: the
   * exception class by the status code's classification, the code itself for Spring Data Neo4j's
   * translator. The original stays attached as a suppressed exception.
   */
  static RuntimeException translate(RuntimeException failure) {
    if (failure instanceof Neo4jException) {
      return failure;
    }
    var code = statusCode(failure);
    var message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    Neo4jException translated;
    if (code.startsWith("Neo.TransientError.")) {
      translated = new TransientException(code, message);
    } else if (code.startsWith("Neo.ClientError.")) {
      translated = new ClientException(code, message);
    } else {
      translated = new DatabaseException(code, message);
    }
    translated.addSuppressed(failure);
    return translated;
  }

  private static String statusCode(Throwable failure) {
    for (var cause = failure; cause != null; cause = cause.getCause()) {
      if (cause instanceof Status.HasStatus status) {
        return status.status().code().serialize();
      }
      if (cause instanceof QueryExecutionException query && query.getStatusCode() != null) {
        return query.getStatusCode();
      }
      if (cause.getCause() == cause) {
        break;
      }
    }
    return Status.General.UnknownError.code().serialize();
  }

  record Counters(boolean containsUpdates, int nodesCreated, int nodesDeleted, int relationshipsCreated,
      int relationshipsDeleted, int propertiesSet, int labelsAdded, int labelsRemoved, int indexesAdded,
      int indexesRemoved, int constraintsAdded, int constraintsRemoved, boolean containsSystemUpdates,
      int systemUpdates) implements SummaryCounters {}

  /** What a statement did. Plans and notifications are Bolt's: ask the server over Bolt for those. */
  record Summary(Query query, SummaryCounters counters, QueryType queryType) implements ResultSummary {

    @Override
    public boolean hasPlan() {
      return false;
    }

    @Override
    public boolean hasProfile() {
      return false;
    }

    @Override
    public Plan plan() {
      return null;
    }

    @Override
    public ProfiledPlan profile() {
      return null;
    }

    @Override
    public List<Notification> notifications() {
      return List.of();
    }

    @Override
    public Set<GqlStatusObject> gqlStatusObjects() {
      return Set.of();
    }

    @Override
    public long resultAvailableAfter(TimeUnit unit) {
      return -1;
    }

    @Override
    public long resultConsumedAfter(TimeUnit unit) {
      return -1;
    }

    @Override
    public ServerInfo server() {
      return IN_PROCESS;
    }

    @Override
    public DatabaseInfo database() {
      return () -> InProcessDriver.DATABASE;
    }
  }

  static final ServerInfo IN_PROCESS = new ServerInfo() {
    @Override
    public String address() {
      return "in-process";
    }

    @Override
    public String protocolVersion() {
      return "in-process";
    }

    @Override
    public String agent() {
      return "Neo4j/embedded";
    }
  };

  /** A statement's rows, read to the end while it ran, as a driver result. */
  static final class Buffered implements Result {

    private final List<String> keys;
    private final List<Record> records;
    private final ResultSummary summary;
    private int next;

    Buffered(List<String> keys, List<Record> records, ResultSummary summary) {
      this.keys = keys;
      this.records = records;
      this.summary = summary;
    }

    @Override
    public List<String> keys() {
      return keys;
    }

    @Override
    public boolean hasNext() {
      return next < records.size();
    }

    @Override
    public Record next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      return records.get(next++);
    }

    @Override
    public Record single() {
      if (records.size() - next != 1) {
        throw new NoSuchRecordException(records.size() - next == 0
            ? "Cannot retrieve a single record, because this result is empty."
            : "Expected a result with a single record, but this result contains at least one more.");
      }
      return next();
    }

    @Override
    public Record peek() {
      if (!hasNext()) {
        throw new NoSuchRecordException("Cannot peek past the last record");
      }
      return records.get(next);
    }

    @Override
    public Stream<Record> stream() {
      var rest = records.subList(next, records.size());
      next = records.size();
      return rest.stream();
    }

    @Override
    public List<Record> list() {
      return stream().toList();
    }

    @Override
    public <T> List<T> list(Function<Record, T> mapFunction) {
      return stream().map(mapFunction).toList();
    }

    @Override
    public ResultSummary consume() {
      next = records.size();
      return summary;
    }

    @Override
    public boolean isOpen() {
      return hasNext();
    }
  }
}
