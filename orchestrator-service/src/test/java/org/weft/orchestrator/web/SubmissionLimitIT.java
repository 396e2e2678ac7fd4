package org.weft.orchestrator.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.weft.orchestrator.testsupport.Api.read;

import org.apache.curator.framework.CuratorFramework;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.data.neo4j.core.Neo4jClient;
import org.springframework.test.context.TestPropertySource;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.GraphSnapshot;
import org.weft.orchestrator.testsupport.WeftIntegrationTest;

/**
 * An instance that runs as many experiments as it may refuses a submission up front: 429 with
 * {@code Retry-After} and a problem saying why, and nothing written, in Neo4j or in ZooKeeper.
 */
@WeftIntegrationTest
@TestPropertySource(properties = {"weft.engine.max-running=0", "weft.engine.retry-after=7s"})
class SubmissionLimitIT {

  @Value("${local.server.port}")
  int port;

  @Autowired
  Neo4jClient neo4j;

  @Autowired
  CuratorFramework zookeeper;

  @Test
  void aSubmissionPastMaxRunningIsRefusedWith429AndRetryAfterAndChangesNothing() throws Exception {
    var api = new Api(port);
    var before = GraphSnapshot.of(neo4j);
    var markers = zookeeper.checkExists().forPath("/weft/running-experiments") == null ? 0
        : zookeeper.getChildren().forPath("/weft/running-experiments").size();

    var response = api.postJson("/api/v1/experiments", """
        {"experimentType": "single-application", "inputs": {"input-file": "file:///tmp/in.dat"}}""");

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("Retry-After")).contains("7");
    assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
        type -> assertThat(type).startsWith("application/problem+json"));
    assertThat((String) read(response, "$.type")).endsWith("overloaded");
    assertThat((String) read(response, "$.detail")).contains("weft.engine.max-running");
    assertThat(GraphSnapshot.of(neo4j)).isEqualTo(before);
    assertThat(zookeeper.checkExists().forPath("/weft/running-experiments") == null ? 0
        : zookeeper.getChildren().forPath("/weft/running-experiments").size()).isEqualTo(markers);
  }
}
