package org.weft.orchestrator.web;

import java.util.List;
import org.springframework.stereotype.Component;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;
import org.weft.orchestrator.dag.JsonPaths;
import org.weft.orchestrator.dag.Violation;

/** Reads request bodies strictly, so a typo in a field name is a 400 naming it, never ignored. */
@Component
class StrictJson {

  private final JsonMapper mapper = JsonMapper.builder()
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .build();

  <T> T read(String body, Class<T> type) {
    if (body == null || body.isBlank()) {
      throw new BadRequestException("(body)", "a JSON object is required");
    }
    try {
      var value = mapper.readValue(body, type);
      if (value == null) {
        throw new BadRequestException("(body)", "a JSON object is required");
      }
      return value;
    } catch (StreamReadException e) {
      var where = e.getLocation() == null ? "" : " at line %d, column %d".formatted(e.getLocation().getLineNr(), e.getLocation().getColumnNr());
      throw new BadRequestException("(body)", "not valid JSON" + where);
    } catch (UnrecognizedPropertyException e) {
      throw new BadRequestException(List.of(new Violation(fieldOf(e), "unknown field")));
    } catch (JacksonException e) {
      throw new BadRequestException(List.of(new Violation(fieldOf(e), "has the wrong type")));
    }
  }

  private static String fieldOf(JacksonException e) {
    var path = JsonPaths.of(e);
    return path.equals("(document)") ? "(body)" : path;
  }
}
