package org.weft.orchestrator.notify;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class StandardWebhooksTest {

  @Test
  void signsTheSpecificationsExampleMessageAsItsReferenceSignature() {
    // the example of the Standard Webhooks specification's reference libraries
    assertThat(StandardWebhooks.sign("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330L, "{\"test\": 2432232314}")).isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
  }

  @Test
  void makesSecretsItAcceptsAndRefusesOthersSayingWhy() {
    var secret = StandardWebhooks.newSecret();
    assertThat(secret).startsWith("whsec_").isNotEqualTo(StandardWebhooks.newSecret());
    StandardWebhooks.checkSecret(secret);
    assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.checkSecret("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"))
        .withMessageContaining("starts with whsec_");
    assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.checkSecret("whsec_not*base64"))
        .withMessageContaining("Base64");
    assertThatIllegalArgumentException().isThrownBy(() -> StandardWebhooks.checkSecret("whsec_c2hvcnQ="))
        .withMessageContaining("24 to 64 bytes");
  }

  @Test
  void retriesWaitTwiceAsLongEachTimeUpToTheLongestWait() {
    var properties = new WebhookProperties(Duration.ofHours(24), Duration.ofSeconds(5), Duration.ofMinutes(1),
        Duration.ofSeconds(10), 16, Duration.ofSeconds(2), List.of(), 20);
    assertThat(List.of(1, 2, 3, 4, 5, 50).stream().map(properties::retryAfter)).containsExactly(Duration.ofSeconds(5),
        Duration.ofSeconds(10), Duration.ofSeconds(20), Duration.ofSeconds(40), Duration.ofMinutes(1), Duration.ofMinutes(1));
  }
}
