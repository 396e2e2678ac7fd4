package org.weft.orchestrator.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.weft.orchestrator.messaging.ReplicaPlacement.Member;

class ReplicaPlacementTest {

  @RepeatedTest(20)
  void aReplicaGoesToAPartitionOfAnotherWorker() {
    var members = List.of(new Member("w-1-monitoring", List.of(0, 1, 2)), new Member("w-2-monitoring", List.of(3, 4)),
        new Member("w-3-monitoring", List.of(5)));

    assertThat(ReplicaPlacement.choose(members, "w-1-monitoring", new Random()).getAsInt()).isIn(3, 4, 5);
  }

  @Test
  void withTheStragglersWorkerAloneOrNoneThereIsNoChoice() {
    assertThat(ReplicaPlacement.choose(List.of(new Member("w-1-monitoring", List.of(0, 1))), "w-1-monitoring",
        new Random())).isEmpty();
    assertThat(ReplicaPlacement.choose(List.of(), "w-1-monitoring", new Random())).isEmpty();
    // a member that holds no partition of the topic cannot take it
    assertThat(ReplicaPlacement.choose(List.of(new Member("w-1-monitoring", List.of(0)),
        new Member("w-2-monitoring", List.of())), "w-1-monitoring", new Random())).isEmpty();
  }
}
