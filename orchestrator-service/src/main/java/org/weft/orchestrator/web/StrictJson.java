package org.weft.orchestrator.web;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import org.springframework.stereotype.Component;
import org.weft.orchestrator.template.JsonPaths;
import org.weft.orchestrator.template.Violation;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.UnrecognizedPropertyException;
import tools.jackson.databind.json.JsonMapper;

/**
 * Reads request bodies strictly, so a typo in a field name is a 400 naming it, never ignored, and
 * checks the request record's Bean Validation constraints.
 */
@Component
class StrictJson {

  private final Validator validator;

  StrictJson(Validator validator) {
    this.validator = validator;
  }

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

  /**
   * {@link #read}, then the record's constraints: every violated field in the record's order, each
   * once (a value may break two constraints with one rule, such as a size and a pattern).
   */
  <T extends Record> T readValid(String body, Class<T> type) {
    var value = read(body, type);
    check(value);
    return value;
  }

  private <T extends Record> void check(T value) {
    Set<ConstraintViolation<T>> violated = validator.validate(value);
    if (violated.isEmpty()) {
      return;
    }
    var order = Arrays.stream(value.getClass().getRecordComponents()).map(c -> c.getName()).toList();
    throw new BadRequestException(violated.stream()
        .map(v -> new Violation(v.getPropertyPath().toString(), v.getMessage()))
        .distinct()
        .sorted(Comparator.comparingInt((Violation v) -> order.indexOf(v.field())).thenComparing(Violation::message))
        .toList());
  }

  private static String fieldOf(JacksonException e) {
    var path = JsonPaths.of(e);
    return path.equals("(document)") ? "(body)" : path;
  }
}
