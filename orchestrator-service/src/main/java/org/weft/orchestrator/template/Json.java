package org.weft.orchestrator.template;

import java.util.LinkedHashMap;
import java.util.Map;
import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** Structured node properties are stored as JSON strings, so Neo4j Browser shows them whole. */
public final class Json {

  private static final JsonMapper MAPPER = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();
  private static final TypeReference<LinkedHashMap<String, Object>> MAP = new TypeReference<>() {};

  private Json() {}

  public static String write(Object value) {
    return value == null ? null : MAPPER.writeValueAsString(value);
  }

  public static Map<String, Object> readMap(Object stored) {
    return stored == null ? null : MAPPER.readValue(stored.toString(), MAP);
  }

  public static <T> T read(Object stored, Class<T> type) {
    return MAPPER.readValue(stored.toString(), type);
  }
}
