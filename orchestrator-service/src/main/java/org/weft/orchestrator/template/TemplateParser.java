package org.weft.orchestrator.template;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.core.exc.StreamReadException;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.exc.MismatchedInputException;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.dataformat.yaml.YAMLMapper;

/**
 * Reads a master DAG template from YAML or JSON, strictly: every unknown field is named, duplicate
 * keys are refused, and a value of the wrong type names its place in the document.
 */
public class TemplateParser {

  public enum Format {
    JSON,
    YAML
  }

  private final JsonMapper json = JsonMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .build();
  private final YAMLMapper yaml = YAMLMapper.builder()
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
      .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
      .build();

  public MasterDagDocument parse(String text, Format format) {
    if (text == null || text.isBlank()) {
      throw new TemplateRejectedException(TemplateRejectedException.Kind.MALFORMED,
          List.of(new Violation("(document)", "the template is empty")));
    }
    var mapper = format == Format.JSON ? json : yaml;
    MasterDagDocument document;
    try {
      var tree = mapper.readTree(text);
      if (tree == null || tree.isMissingNode() || tree.isNull()) {
        throw new TemplateRejectedException(TemplateRejectedException.Kind.MALFORMED,
            List.of(new Violation("(document)", "the template is empty")));
      }
      if (!tree.isObject()) {
        throw new TemplateRejectedException(TemplateRejectedException.Kind.INVALID,
            List.of(new Violation("(document)", "must be an object with type and tasks")));
      }
      var unknown = UnknownFields.find(tree, MasterDagDocument.class);
      if (!unknown.isEmpty()) {
        throw new TemplateRejectedException(TemplateRejectedException.Kind.INVALID, unknown);
      }
      document = mapper.treeToValue(tree, MasterDagDocument.class);
    } catch (StreamReadException e) {
      var where = e.getLocation() == null ? "" : " at line %d, column %d".formatted(e.getLocation().getLineNr(), e.getLocation().getColumnNr());
      throw new TemplateRejectedException(TemplateRejectedException.Kind.MALFORMED,
          List.of(new Violation("(document)", "not valid " + format + where + ": " + firstLine(e.getOriginalMessage()))));
    } catch (MismatchedInputException e) {
      throw invalid(JsonPaths.of(e), "must be " + describe(e.getTargetType()));
    } catch (JacksonException e) {
      var cause = e.getCause() instanceof IllegalArgumentException iae ? iae.getMessage() : firstLine(e.getOriginalMessage());
      throw invalid(JsonPaths.of(e), cause);
    }
    if (document == null) {
      throw new TemplateRejectedException(TemplateRejectedException.Kind.MALFORMED,
          List.of(new Violation("(document)", "the template is empty")));
    }
    return document;
  }

  private final JsonMapper canonical = json.rebuild()
      .enable(tools.jackson.databind.SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS).build();

  /** The document as canonical JSON: the same content gives the same text, whatever it was written in. */
  public String canonicalJson(MasterDagDocument document) {
    return canonical.writeValueAsString(document);
  }

  private static TemplateRejectedException invalid(String field, String message) {
    return new TemplateRejectedException(TemplateRejectedException.Kind.INVALID, List.of(new Violation(field, message)));
  }

  private static String describe(Class<?> type) {
    if (type == null) {
      return "a value of another type";
    }
    if (type == Integer.class || type == int.class || type == Long.class || type == long.class) {
      return "a whole number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "true or false";
    }
    if (type == String.class) {
      return "a string";
    }
    if (type == Duration.class) {
      return "an ISO-8601 duration such as PT10M";
    }
    if (Collection.class.isAssignableFrom(type)) {
      return "a list";
    }
    if (type == InputType.class) {
      return "one of string, integer, number, boolean, uri, list";
    }
    if (type == MasterDagDocument.Verify.class) {
      return "size or checksum";
    }
    if (type == MasterDagDocument.Retain.class) {
      return "all, outputs or none";
    }
    if (Map.class.isAssignableFrom(type) || type.isRecord()) {
      return "an object";
    }
    return "a " + type.getSimpleName();
  }

  private static String firstLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    return newline < 0 ? message : message.substring(0, newline);
  }
}
