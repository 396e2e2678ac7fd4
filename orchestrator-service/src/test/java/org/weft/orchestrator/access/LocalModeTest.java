package org.weft.orchestrator.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class LocalModeTest {

  @Test
  void theLocalModeListensOnLoopbackAddresses() {
    for (var address : new String[] {"127.0.0.1", "::1", "localhost"}) {
      assertThatCode(() -> AccessConfiguration.checkLocal(address, false)).doesNotThrowAnyException();
    }
  }

  @Test
  void theLocalModeRefusesEveryInterfaceOrAnOutsideAddress() {
    for (var address : new String[] {null, "", "0.0.0.0", "::", "192.0.2.10"}) {
      assertThatThrownBy(() -> AccessConfiguration.checkLocal(address, false))
          .isInstanceOf(UnsafeListenAddressException.class)
          .hasMessageContaining("weft.access.issuer-uri");
    }
  }

  @Test
  void theOptOutLetsTheLocalModeListenBeyondThisMachine() {
    assertThatCode(() -> AccessConfiguration.checkLocal("0.0.0.0", true)).doesNotThrowAnyException();
    assertThatCode(() -> AccessConfiguration.checkLocal(null, true)).doesNotThrowAnyException();
  }

  @Test
  void aRefusedStartSaysWhatToSetInsteadOfAStackTrace() {
    var analysis = new UnsafeListenAddressFailureAnalyzer().analyze(new IllegalStateException(
        new UnsafeListenAddressException("0.0.0.0")));
    assertThat(analysis.getDescription()).contains("'0.0.0.0'", "not a loopback address");
    assertThat(analysis.getAction()).contains("weft.access.issuer-uri", "server.address",
        "weft.access.allow-unauthenticated-remote=true");
  }
}
