package org.weft.orchestrator.coordination;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ZooKeeperPropertiesTest {

  @ParameterizedTest
  @ValueSource(strings = {"weft", "/weft/", "", "relative/path"})
  void refusesARootThatIsNotAnAbsolutePathWithoutTrailingSlash(String root) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new ZooKeeperProperties("localhost:2181", root, Duration.ofSeconds(10), Duration.ofSeconds(5), null))
        .withMessageContaining("weft.zookeeper.root");
  }

  @ParameterizedTest
  @ValueSource(strings = {"/", "/weft", "/lab-a/weft"})
  void acceptsAbsoluteRoots(String root) {
    assertThat(new ZooKeeperProperties("localhost:2181", root, Duration.ofSeconds(10), Duration.ofSeconds(5), null).root())
        .isEqualTo(root);
  }
}
