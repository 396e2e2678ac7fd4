package org.weft.orchestrator.template;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.RecordComponent;
import java.lang.reflect.Type;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import tools.jackson.databind.JsonNode;

/**
 * Names every field of a document that the target records do not declare, with its exact path, so
 * one round trip reports all typos. Free-form maps ({@code params}, {@code env}) are not checked.
 */
final class UnknownFields {

  private UnknownFields() {}

  static List<Violation> find(JsonNode node, Class<?> type) {
    var found = new ArrayList<Violation>();
    walk(node, type, "", found);
    return found;
  }

  private static void walk(JsonNode node, Type type, String path, List<Violation> found) {
    if (node == null || node.isNull()) {
      return;
    }
    if (type instanceof Class<?> record && record.isRecord() && node.isObject()) {
      for (var name : node.propertyNames()) {
        var field = path.isEmpty() ? name : path + "." + name;
        var component = component(record, name);
        if (component.isEmpty()) {
          found.add(new Violation(field, "unknown field"));
        } else {
          walk(node.get(name), component.get().getGenericType(), field, found);
        }
      }
    } else if (type instanceof ParameterizedType generic && generic.getRawType() == List.class && node.isArray()) {
      var element = generic.getActualTypeArguments()[0];
      for (int i = 0; i < node.size(); i++) {
        walk(node.get(i), element, path + "[" + i + "]", found);
      }
    }
  }

  private static Optional<RecordComponent> component(Class<?> record, String jsonName) {
    for (var component : record.getRecordComponents()) {
      var renamed = component.getAccessor().getAnnotation(JsonProperty.class);
      var annotated = renamed != null ? renamed : fieldAnnotation(record, component);
      var name = annotated != null && !annotated.value().isEmpty() ? annotated.value() : component.getName();
      if (name.equals(jsonName)) {
        return Optional.of(component);
      }
    }
    return Optional.empty();
  }

  private static JsonProperty fieldAnnotation(Class<?> record, RecordComponent component) {
    try {
      return record.getDeclaredField(component.getName()).getAnnotation(JsonProperty.class);
    } catch (NoSuchFieldException e) {
      return null;
    }
  }
}
