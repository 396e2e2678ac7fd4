package org.weft.orchestrator.lifecycle;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DeliveryStateTest {

  @Test
  void aPendingDeliveryEndsDeliveredOrFailedOrWaitsForItsNextAttempt() {
    assertThat(DeliveryState.PENDING.moveTo(DeliveryState.DELIVERED)).isEqualTo(DeliveryState.DELIVERED);
    assertThat(DeliveryState.PENDING.moveTo(DeliveryState.FAILED)).isEqualTo(DeliveryState.FAILED);
    assertThat(DeliveryState.PENDING.moveTo(DeliveryState.PENDING)).isEqualTo(DeliveryState.PENDING);
  }

  @Test
  void anEndedDeliveryMovesOnlyBackToPendingForARedelivery() {
    for (var ended : new DeliveryState[] {DeliveryState.DELIVERED, DeliveryState.FAILED}) {
      assertThat(ended.moveTo(DeliveryState.PENDING)).isEqualTo(DeliveryState.PENDING);
      assertThatThrownBy(() -> ended.moveTo(DeliveryState.DELIVERED)).isInstanceOf(IllegalTransitionException.class);
      assertThatThrownBy(() -> ended.moveTo(DeliveryState.FAILED)).isInstanceOf(IllegalTransitionException.class);
    }
  }
}
