package org.weft.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class EmbeddedNeo4jTest {

  @Test
  void theStyleCommandIsOneBrowserCommandCarryingTheShippedStyle() {
    var command = EmbeddedNeo4j.styleCommand();

    // Browser splits its post-connect setting into commands at each ';' and runs each line as one
    assertThat(command).startsWith("style {").endsWith("}").doesNotContain(";").doesNotContain("\n");
    assertThat(command).contains("\"node.TaskNode\"", "\"caption\": \"{key}\"", "\"node.Failed\"", "\"node.TaskGroup\"");
  }
}
