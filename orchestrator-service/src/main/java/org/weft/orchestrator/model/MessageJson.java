package org.weft.orchestrator.model;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/** The JSON form of the Kafka messages of the contract. */
public class MessageJson {

  private final JsonMapper mapper = JsonMapper.builder()
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();

  public String write(Object message) {
    return mapper.writeValueAsString(message);
  }

  /** @throws tools.jackson.core.JacksonException when the text is not that message */
  public <T> T read(String text, Class<T> type) {
    return mapper.readValue(text, type);
  }
}
