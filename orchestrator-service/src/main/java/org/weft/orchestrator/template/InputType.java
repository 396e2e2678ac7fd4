package org.weft.orchestrator.template;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Optional;

/** The types an experiment input may have, and what a value of each must look like. */
public enum InputType {
  STRING,
  INTEGER,
  NUMBER,
  BOOLEAN,
  URI,
  /** a list of strings, numbers and booleans, such as the values a sweep runs over */
  LIST;

  @JsonCreator
  static InputType fromJson(String name) {
    for (var type : values()) {
      if (type.json().equals(name)) {
        return type;
      }
    }
    throw new IllegalArgumentException("must be one of string, integer, number, boolean, uri, list");
  }

  @JsonValue
  public String json() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * Returns the value in its canonical Java form ({@code Long} for integers, {@code String} for a
   * URI), or empty when the value is not of this type.
   */
  public Optional<Object> accept(Object value) {
    return switch (this) {
      case STRING -> value instanceof String s ? Optional.of(s) : Optional.empty();
      case BOOLEAN -> value instanceof Boolean b ? Optional.of(b) : Optional.empty();
      case INTEGER -> integer(value);
      case NUMBER -> value instanceof Number n && !(n instanceof Double d && (d.isNaN() || d.isInfinite()))
          ? Optional.of(n) : Optional.empty();
      case URI -> value instanceof String s && isAbsoluteUri(s) ? Optional.of(s) : Optional.empty();
      case LIST -> list(value);
    };
  }

  private static Optional<Object> list(Object value) {
    if (!(value instanceof java.util.List<?> elements)) {
      return Optional.empty();
    }
    var canonical = new java.util.ArrayList<Object>(elements.size());
    for (var element : elements) {
      if (element instanceof String || element instanceof Boolean) {
        canonical.add(element);
      } else if (element instanceof Number) {
        var number = INTEGER.accept(element).or(() -> NUMBER.accept(element));
        if (number.isEmpty()) {
          return Optional.empty();
        }
        canonical.add(number.get());
      } else {
        return Optional.empty();
      }
    }
    return Optional.of(java.util.List.copyOf(canonical));
  }

  private static Optional<Object> integer(Object value) {
    if (value instanceof Integer || value instanceof Long || value instanceof Short) {
      return Optional.of(((Number) value).longValue());
    }
    if (value instanceof BigInteger big && big.bitLength() < 64) {
      return Optional.of(big.longValue());
    }
    if (value instanceof BigDecimal decimal && decimal.stripTrailingZeros().scale() <= 0) {
      try {
        return Optional.of(decimal.longValueExact());
      } catch (ArithmeticException e) {
        return Optional.empty();
      }
    }
    return Optional.empty();
  }

  private static boolean isAbsoluteUri(String value) {
    try {
      var uri = new java.net.URI(value);
      return uri.getScheme() != null && !value.isBlank();
    } catch (URISyntaxException e) {
      return false;
    }
  }
}
