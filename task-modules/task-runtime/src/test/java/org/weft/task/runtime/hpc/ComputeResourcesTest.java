package org.weft.task.runtime.hpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.weft.task.runtime.TaskFailure;

class ComputeResourcesTest {

  private static ComputeResources bind(Map<String, String> properties) {
    return new Binder(new MapConfigurationPropertySource(properties)).bindOrCreate("weft", ComputeResources.class);
  }

  private static Map<String, String> cluster(String name, String... overrides) {
    var properties = new java.util.HashMap<>(Map.of(
        "weft.resources." + name + ".host", "login.example.org",
        "weft.resources." + name + ".user", "gateway",
        "weft.resources." + name + ".private-key", "/keys/id",
        "weft.resources." + name + ".scratch", "/scratch/weft"));
    for (int i = 0; i < overrides.length; i += 2) {
      properties.put("weft.resources." + name + "." + overrides[i], overrides[i + 1]);
    }
    return properties;
  }

  @Test
  void aClusterNeedsOnlyAFewLinesAndGetsDocumentedDefaults() {
    var resources = bind(cluster("hpc1"));

    var hpc1 = resources.find("hpc1").orElseThrow();
    assertThat(hpc1.scheduler()).isEqualTo(ComputeResources.Scheduler.SLURM);
    assertThat(hpc1.port()).isEqualTo(22);
    assertThat(hpc1.maxJobs()).isEqualTo(100);
    assertThat(hpc1.pollInterval()).hasSeconds(10);
    assertThat(hpc1.trustUnknownHost()).isFalse();
    assertThat(resources.all().keySet()).containsExactly("local", "hpc1");
    assertThat(resources.find("local").orElseThrow().local()).isTrue();
    assertThat(resources.find(null).orElseThrow().local()).isTrue();
    assertThat(resources.find("other")).isEmpty();
  }

  @Test
  void withoutAnyEntryOnlyTheLocalMachineExists() {
    assertThat(bind(Map.of()).all().keySet()).containsExactly("local");
  }

  @Test
  void wrongEntriesStopTheStartWithTheirProperty() {
    assertThatThrownBy(() -> bind(cluster("Bad_Name"))).hasStackTraceContaining("a resource name is lower-case");
    assertThatThrownBy(() -> bind(cluster("local"))).hasStackTraceContaining("'local' is this machine");
    var noHost = cluster("hpc1");
    noHost.remove("weft.resources.hpc1.host");
    assertThatThrownBy(() -> bind(noHost)).hasStackTraceContaining("weft.resources.hpc1.host is required");
    var noKey = cluster("hpc1");
    noKey.remove("weft.resources.hpc1.private-key");
    assertThatThrownBy(() -> bind(noKey))
        .hasStackTraceContaining("weft.resources.hpc1.private-key or weft.resources.hpc1.agent-socket is required");
    noKey.put("weft.resources.hpc1.agent-socket", "/run/user/1000/agent.sock");
    assertThat(bind(noKey).find("hpc1").orElseThrow().agentSocket()).isEqualTo("/run/user/1000/agent.sock");
    assertThatThrownBy(() -> bind(cluster("hpc1", "scratch", "/scratch/my weft")))
        .hasStackTraceContaining("weft.resources.hpc1.scratch must be an absolute path");
    assertThatThrownBy(() -> bind(cluster("hpc1", "program-dirs", "apps/bin")))
        .hasStackTraceContaining("program-dirs: 'apps/bin' must be an absolute path");
    assertThatThrownBy(() -> bind(cluster("hpc1", "partition", "batch;rm")))
        .hasStackTraceContaining("partition, account and qos are names");
  }

  @Test
  void aRemotePathFromATemplateMustStayInTheScratchDirectory() {
    var hpc1 = bind(cluster("hpc1")).find("hpc1").orElseThrow();

    assertThat(hpc1.within("/scratch/weft/e-1/outputs", "from")).isEqualTo("/scratch/weft/e-1/outputs");
    for (var path : new String[] {"/scratch/weft/../etc", "/scratch/weftx/a", "/etc/passwd", "scratch/weft/a",
        "/scratch/weft/a b", null}) {
      assertThatThrownBy(() -> hpc1.within(path, "from")).as(path).isInstanceOf(TaskFailure.class);
    }
  }
}
