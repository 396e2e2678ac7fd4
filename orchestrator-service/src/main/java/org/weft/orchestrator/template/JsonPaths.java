package org.weft.orchestrator.template;

import tools.jackson.core.JacksonException;

/** Names the place in a document a Jackson error points at, as {@code tasks[1].retry.backoff}. */
public final class JsonPaths {

  private JsonPaths() {}

  public static String of(JacksonException e) {
    var path = new StringBuilder();
    for (var reference : e.getPath()) {
      if (reference.getPropertyName() != null) {
        if (!path.isEmpty()) {
          path.append('.');
        }
        path.append(reference.getPropertyName());
      } else if (reference.getIndex() >= 0) {
        path.append('[').append(reference.getIndex()).append(']');
      }
    }
    return path.isEmpty() ? "(document)" : path.toString();
  }
}
