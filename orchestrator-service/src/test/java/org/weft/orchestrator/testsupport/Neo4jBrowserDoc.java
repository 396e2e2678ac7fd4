package org.weft.orchestrator.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Paths;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/** The queries docs/neo4j-browser.md offers to paste, by the name in the comment before each. */
public final class Neo4jBrowserDoc {

  private static final Pattern QUERY = Pattern.compile("<!-- query: (\\S+) -->\\s*```cypher\\n(.*?)```", Pattern.DOTALL);

  private Neo4jBrowserDoc() {}

  public static Map<String, String> queries() {
    try {
      var doc = Files.readString(Paths.get("..", "docs", "neo4j-browser.md"));
      var queries = new LinkedHashMap<String, String>();
      var matcher = QUERY.matcher(doc);
      while (matcher.find()) {
        queries.put(matcher.group(1), matcher.group(2));
      }
      return queries;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
