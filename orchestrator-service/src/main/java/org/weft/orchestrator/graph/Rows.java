package org.weft.orchestrator.graph;

import java.time.Instant;
import java.util.List;
import org.neo4j.driver.Value;
import org.neo4j.driver.types.MapAccessorWithDefaultValue;
import org.weft.orchestrator.lifecycle.ExperimentState;

/**
 * The typed rows of the engine's statements, each mapped from the driver's record (or from a map
 * nested in it) in one place, so that no caller casts.
 */
final class Rows {

  private Rows() {}

  /**
   * A node just dispatched (or sent again), with what its dispatch message needs.
   *
   * @param context  its task context, as stored JSON
   * @param deadline when its attempt must end, epoch milliseconds
   * @param upstream the outputs of the upstream nodes its context names, where the statement read them
   */
  record Dispatched(String id, String experimentId, String key, String taskType, int attempt, String dispatchId,
      String context, long deadline, List<Upstream> upstream, boolean readsData) {

    static Dispatched of(MapAccessorWithDefaultValue row) {
      var upstream = row.get("upstream");
      return new Dispatched(row.get("id").asString(), row.get("experimentId").asString(), row.get("key").asString(),
          row.get("taskType").asString(), row.get("attempt").asInt(), row.get("dispatchId").asString(),
          row.get("context").asString(), row.get("deadline").asLong(),
          upstream.isNull() ? List.of() : upstream.asList(Upstream::of), row.get("readsData").asBoolean(false));
    }
  }

  /** The outputs of an executed node, as stored JSON. */
  record Upstream(String key, String outputs) {

    static Upstream of(Value value) {
      return new Upstream(value.get("key").asString(), text(value.get("outputs")));
    }
  }

  /** An experiment and a state: its state now, or the one it moved from. */
  record ExperimentAt(String id, ExperimentState state) {

    static ExperimentAt of(MapAccessorWithDefaultValue row, String stateField) {
      return new ExperimentAt(row.get("id").asString(), ExperimentState.valueOf(row.get(stateField).asString()));
    }
  }

  /** A sink of a finished experiment, with its outputs as stored JSON. */
  record Sink(String experimentId, String key, String outputs) {

    static Sink of(MapAccessorWithDefaultValue row) {
      return new Sink(row.get("id").asString(), row.get("key").asString(), text(row.get("outputs")));
    }
  }

  /** An attempt past its heartbeat timeout ({@code overTime} false) or its time limit. */
  record Expired(String taskId, String experimentId, String dispatchId, int attempt, boolean overTime,
      long timeLimitMs, long heartbeatTimeoutMs) {

    static Expired of(MapAccessorWithDefaultValue row) {
      return new Expired(row.get("id").asString(), row.get("experimentId").asString(),
          row.get("dispatchId").asString(), row.get("attempt").asInt(), row.get("overTime").asBoolean(false),
          row.get("timeLimitMs").asLong(), row.get("heartbeatTimeoutMs").asLong());
    }
  }

  /** Events a statement numbered for one experiment, from {@code base + 1}, to hold for publishing. */
  record Appended(String experimentId, long base, List<LiveDags.PendingEvent> events) {

    static Appended of(MapAccessorWithDefaultValue row) {
      var experimentId = row.get("id").asString();
      return new Appended(experimentId, row.get("base").asLong(), row.get("events").asList(event ->
          new LiveDags.PendingEvent(experimentId, event.get("type").asString(), text(event.get("taskKey")),
              event.get("state").asString(), text(event.get("detail")))));
    }
  }

  /** What {@link Results#APPLY_RESULTS} did: the rows applied, and what followed. */
  record Applied(List<Integer> applied, List<Dispatched> dispatched, List<String> finished, List<Appended> appended,
      List<String> gating) {

    static Applied of(MapAccessorWithDefaultValue row) {
      return new Applied(row.get("applied").asList(Value::asInt), row.get("dispatched").asList(Dispatched::of),
          row.get("finished").asList(Value::asString), row.get("appended").asList(Appended::of),
          row.get("gating").asList(Value::asString));
    }
  }

  /** An experiment {@link Launches#CREATE_AND_LAUNCH} created, its events and its root nodes' dispatches. */
  record Created(Appended appended, List<Dispatched> dispatched) {

    static Created of(MapAccessorWithDefaultValue row) {
      return new Created(Appended.of(row), row.get("dispatched").asList(Dispatched::of));
    }
  }

  /** A string property, or null where the property is missing. */
  static String text(Value value) {
    return value.isNull() ? null : value.asString();
  }

  /** A date-time property as an instant, or null where the property is missing. */
  static Instant instant(Value value) {
    return value.isNull() ? null : value.asZonedDateTime().toInstant();
  }
}
