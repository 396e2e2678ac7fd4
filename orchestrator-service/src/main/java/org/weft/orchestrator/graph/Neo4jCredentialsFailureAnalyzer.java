package org.weft.orchestrator.graph;

import org.neo4j.driver.exceptions.AuthenticationException;
import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.core.env.Environment;

/** Says, instead of a stack trace, that Neo4j refused the credentials and which settings carry them. */
class Neo4jCredentialsFailureAnalyzer extends AbstractFailureAnalyzer<AuthenticationException> {

  private final Environment environment;

  Neo4jCredentialsFailureAnalyzer(Environment environment) {
    this.environment = environment;
  }

  @Override
  protected FailureAnalysis analyze(Throwable root, AuthenticationException cause) {
    var uri = environment.getProperty("spring.neo4j.uri", "bolt://localhost:7687");
    var user = environment.getProperty("spring.neo4j.authentication.username");
    var who = user == null ? "no user (spring.neo4j.authentication.username is not set)" : "user '" + user + "'";
    return new FailureAnalysis("Neo4j at %s refused the credentials of %s: %s".formatted(uri, who, cause.getMessage()),
        "Set spring.neo4j.authentication.username and spring.neo4j.authentication.password "
            + "(SPRING_NEO4J_AUTHENTICATION_PASSWORD) to a user of that database; see docs/security.md.", cause);
  }
}
