package org.weft.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.jayway.jsonpath.JsonPath;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.curator.framework.CuratorFrameworkFactory;
import org.apache.curator.retry.RetryOneTime;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.weft.orchestrator.testsupport.Api;
import org.weft.orchestrator.testsupport.FreePorts;
import org.weft.orchestrator.testsupport.JavaProcess;
import org.weft.orchestrator.testsupport.TestWorker;
import org.weft.orchestrator.testsupport.WeftJar;
import org.weft.task.api.TaskDispatch;

/**
 * Two orchestrator instances against shared external servers (the infrastructure in a process of
 * its own): kill -9 the one running the experiments, and the other adopts them within a few seconds
 * of the ZooKeeper session timeout and finishes them.
 */
class AdoptionScenarioIT {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(AdoptionScenarioIT.class);

  private static final Duration STARTUP = Duration.ofMinutes(2);
  private static final Duration SESSION_TIMEOUT = Duration.ofSeconds(4);

  @TempDir
  Path workDir;

  @Test
  void theSurvivingInstanceAdoptsTheDeadOnesExperimentsAndFinishesThem() throws Exception {
    int[] ports = FreePorts.take(8);
    var zookeeper = "localhost:" + ports[0];
    var kafka = "localhost:" + ports[1];
    var bolt = "bolt://localhost:" + ports[3];
    var held = new CopyOnWriteArrayList<TaskDispatch>();
    var ids = new ArrayList<String>();

    try (var infrastructure = WeftJar.launchInfrastructureOn(ports, workDir, STARTUP);
         var a = instance("a", ports[5], zookeeper, kafka, bolt);
         var b = instance("b", ports[6], zookeeper, kafka, bolt);
         var worker = new TestWorker(kafka, "worker-1", dispatch -> {
           held.add(dispatch);
           return null;
         });
         var zk = CuratorFrameworkFactory.newClient(zookeeper, new RetryOneTime(200))) {
      zk.start();
      assertThat(zk.blockUntilConnected(20, TimeUnit.SECONDS)).isTrue();
      var apiA = new Api(ports[5]);
      var apiB = new Api(ports[6]);
      await().atMost(STARTUP).until(() -> zk.getChildren().forPath("/weft/instances").containsAll(List.of("a", "b")));

      for (int i = 0; i < 5; i++) {
        ids.add(apiA.submit("""
            {"experimentType": "single-application", "inputs": {"input-file": "file:///data/in.dat"}}"""));
      }
      await().atMost(STARTUP).until(() -> held.size() >= 5);
      for (var id : ids) {
        assertThat(owner(zk, id)).isEqualTo("a");
      }

      a.kill();
      long killed = System.nanoTime();
      await("b to adopt every experiment").atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
          .until(() -> ids.stream().allMatch(id -> "b".equals(owner(zk, id))));
      var adoption = Duration.ofNanos(System.nanoTime() - killed);
      // the session must expire first; then adoption is one reconciliation away
      assertThat(adoption).isLessThan(SESSION_TIMEOUT.plusSeconds(10));
      assertThat(zk.getChildren().forPath("/weft/instances")).containsExactly("b");

      worker.behave(TestWorker.succeedAtOnce("worker-1"));
      held.forEach(dispatch -> worker.send(TestWorker.success(dispatch, "worker-1")));
      for (var id : ids) {
        await(id + " to complete").atMost(Duration.ofMinutes(2)).pollInterval(Duration.ofMillis(250))
            .until(() -> "COMPLETED".equals(JsonPath.read(apiB.get("/api/v1/experiments/" + id).body(), "$.state")));
        await(id + "'s marker to go").atMost(Duration.ofSeconds(30))
            .until(() -> zk.checkExists().forPath("/weft/running-experiments/" + id) == null);
      }
      // the adopter sent the held dispatches again with their own ids: one attempt per node
      var attemptsPerNode = worker.received().stream().collect(Collectors.groupingBy(TaskDispatch::taskId,
          Collectors.mapping(TaskDispatch::dispatchId, Collectors.toSet())));
      assertThat(attemptsPerNode.values()).allSatisfy(d -> assertThat(d).hasSize(1));
      await("the adopter to send the held dispatches again").atMost(Duration.ofSeconds(30))
          .untilAsserted(() -> assertThat(held).allSatisfy(d -> assertThat(worker.deliveries().get(d.dispatchId())).isEqualTo(2)));
      log.info("Adoption took {} ms after kill -9 (session timeout {})", adoption.toMillis(), SESSION_TIMEOUT);
    }
  }

  private JavaProcess instance(String id, int port, String zookeeper, String kafka, String bolt) {
    return WeftJar.launch("weft-" + id, workDir, List.of(
            "--server.port=" + port, "--weft.instance-id=" + id,
            "--weft.zookeeper.connect-string=" + zookeeper, "--spring.kafka.bootstrap-servers=" + kafka,
            "--spring.neo4j.uri=" + bolt, "--weft.zookeeper.session-timeout=" + SESSION_TIMEOUT.toSeconds() + "s",
            "--weft.dag.defaults.heartbeat-timeout=PT5M", "--weft.worker.enabled=false"))
        .awaitOutput("Weft orchestrator is up", STARTUP);
  }

  private static String owner(org.apache.curator.framework.CuratorFramework zk, String id) {
    try {
      return new String(zk.getData().forPath("/weft/running-experiments/" + id + "/owner"), StandardCharsets.UTF_8);
    } catch (Exception e) {
      return null;
    }
  }
}
