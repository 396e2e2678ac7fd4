package org.weft.orchestrator.graph;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.lifecycle.ExperimentState;
import org.weft.orchestrator.model.StoredEvent;

/**
 * The outbox of experiment events: the one way events leave the graph for the event stream.
 *
 * <p>Events are written with the state change they describe, in the same transaction, as part of
 * the experiment's audit trail ({@link LiveDags#appendEvents}); the experiment is flagged as having
 * events to publish and records how far they are published ({@code publishedSeq}). That is the
 * durable outbox. What this instance wrote is also held in memory from the commit
 * ({@link #takeCommitted}), so that publishing it needs no read; what a crash, of this instance or
 * another, left unpublished is found through the flag ({@link #behind}) and read back
 * ({@link #after}).
 */
@Component
public class EventOutbox {

  /**
   * Records that experiments' events are published up to {@code last}, when they were up to just
   * before {@code first} (an instance that published a later stretch first leaves the mark to the
   * sweep). An ended experiment with everything published leaves the sweep's index.
   */
  static final String MARK_PUBLISHED = """
      UNWIND $marks AS m
      // a seek per mark forced: the planner may otherwise scan every experiment's id to join them
      MATCH (e:Experiment {id: m.id}) USING INDEX SEEK e:Experiment(id)
      WHERE e.publishedSeq >= m.first - 1 AND e.publishedSeq < m.last
      SET e.publishedSeq = m.last,
          e.eventsPending = CASE WHEN m.last >= e.eventSeq AND e.state IN $ended
                                 THEN null ELSE true END""";

  /** Experiments with events that nobody published for a while, through the index on the flag. */
  static final String PENDING = """
      MATCH (e:Experiment {eventsPending: true})
      WHERE e.lastEventAt < $cutoff
      WITH e WHERE e.publishedSeq < e.eventSeq
      RETURN e.id AS id, e.publishedSeq AS publishedSeq LIMIT $batch""";

  /**
   * The stored groups of one experiment's events that hold events after {@code $after}, in order,
   * through the index on (experimentId, seq): without the hint, the planner scanned every event.
   */
  static final String UNPUBLISHED = """
      MATCH (v:Event {experimentId: $id}) USING INDEX v:Event(experimentId, seq)
      WHERE v.seq IS NOT NULL AND v.last > $after
      RETURN v {.*} AS events ORDER BY v.seq LIMIT $batch""";

  private static final List<String> ENDED = Arrays.stream(ExperimentState.values())
      .filter(ExperimentState::isTerminal).map(Enum::name).toList();

  /** An experiment whose events are published up to {@code publishedSeq} and not beyond. */
  public record Behind(String experimentId, long publishedSeq) {}

  /** How far one experiment's events are published in this stretch: from {@code first} to {@code last}. */
  public record Mark(String experimentId, long first, long last) {}

  private final Neo4jClient neo4j;
  private final CommittedEvents committed = new CommittedEvents();

  EventOutbox(Neo4jClient neo4j) {
    this.neo4j = neo4j;
  }

  /** Holds one experiment's events, just numbered in the current transaction, until it ends. */
  void reserve(String experimentId, List<StoredEvent> events) {
    committed.reserve(experimentId, events);
  }

  /** Called, on the committing thread, whenever events become ready to publish. */
  public void onCommitted(Runnable listener) {
    committed.onCommitted(listener);
  }

  /** Takes every committed event that no uncommitted one precedes, each experiment's in sequence order. */
  public List<StoredEvent> takeCommitted() {
    return committed.takeReady();
  }

  /** Whether events of the experiment are held in memory, waiting for their commit or to be published. */
  public boolean holds(String experimentId) {
    return committed.holds(experimentId);
  }

  /** Events held in memory, waiting for their commit or to be published. */
  public int held() {
    return committed.size();
  }

  /** Up to {@code limit} experiments with events older than {@code cutoffMillis} still unpublished. */
  public List<Behind> behind(long cutoffMillis, int limit) {
    return neo4j.query(PENDING).bindAll(Map.of("cutoff", cutoffMillis, "batch", limit))
        .fetchAs(Behind.class)
        .mappedBy((types, row) -> new Behind(row.get("id").asString(), row.get("publishedSeq").asLong()))
        .all().stream().toList();
  }

  /** Up to {@code limit} events of one experiment after {@code after}, in order, as the audit trail stores them. */
  public List<StoredEvent> after(String experimentId, long after, int limit) {
    return neo4j.query(UNPUBLISHED).bindAll(Map.of("id", experimentId, "after", after, "batch", limit))
        .fetchAs(StoredEvents.Group.class).mappedBy((types, row) -> StoredEvents.group(row.get("events"))).all().stream()
        .flatMap(group -> group.events().stream())
        .filter(event -> event.seq() > after)
        .toList();
  }

  /**
   * Records the marks, retried twice on a deadlock with an engine transaction (Neo4j aborted this
   * one, which changed nothing).
   */
  public void mark(List<Mark> marks) {
    var rows = marks.stream()
        .map(m -> Map.<String, Object>of("id", m.experimentId(), "first", m.first(), "last", m.last())).toList();
    for (int attempt = 1; ; attempt++) {
      try {
        neo4j.query(MARK_PUBLISHED).bindAll(Map.of("marks", rows, "ended", ENDED)).run();
        return;
      } catch (TransientDataAccessException e) {
        if (attempt == 3) {
          throw e;
        }
      }
    }
  }
}
