package org.weft.orchestrator.template;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;

/** Checks a submission's inputs against the template's declarations and fills in defaults. */
public final class ExperimentInputs {

  private ExperimentInputs() {}

  /**
   * The inputs every task sees: each declared input with the submitted value, else its default, else
   * {@code null}; values in canonical form.
   *
   * @throws InvalidInputsException naming every missing, unknown or mistyped input
   */
  public static Map<String, Object> resolve(MasterDagDocument template, Map<String, Object> submitted) {
    var given = submitted == null ? Map.<String, Object>of() : submitted;
    var violations = new ArrayList<Violation>();
    var declared = new TreeSet<String>();
    var resolved = new LinkedHashMap<String, Object>();
    for (var input : template.inputs()) {
      declared.add(input.name());
      var value = given.containsKey(input.name()) ? given.get(input.name()) : input.defaultValue();
      if (value == null) {
        if (input.isRequired()) {
          violations.add(new Violation("inputs." + input.name(), "is required (" + input.type().json() + ")"));
        }
        resolved.put(input.name(), null);
        continue;
      }
      var accepted = input.type().accept(value);
      if (accepted.isEmpty()) {
        violations.add(new Violation("inputs." + input.name(), "must be of type " + input.type().json()
            + (input.type() == InputType.URI ? " with a scheme, such as file:///data/in.dat or https://…" : "")));
      } else {
        resolved.put(input.name(), accepted.get());
      }
    }
    given.keySet().stream().filter(name -> !declared.contains(name)).sorted().forEach(name -> violations.add(
        new Violation("inputs." + name, "unknown input; '" + template.type() + "' takes " + declared)));
    if (!violations.isEmpty()) {
      throw new InvalidInputsException(violations);
    }
    return resolved;
  }
}
