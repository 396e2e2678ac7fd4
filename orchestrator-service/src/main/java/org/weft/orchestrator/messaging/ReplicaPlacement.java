package org.weft.orchestrator.messaging;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.random.RandomGenerator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.weft.task.api.Topics;

/**
 * Where a straggler's replica goes: a partition of its task type's topic that Kafka has assigned to
 * another member of the workers' consumer group than the worker running the attempt it copies, so
 * that another instance of the service takes it. Read from the group's description when a replica
 * is sent (they are rare); with one member only, or when Kafka does not answer at once, the replica
 * goes where its own key sends it.
 */
@Component
class ReplicaPlacement {

  private static final Logger log = LoggerFactory.getLogger(ReplicaPlacement.class);
  private static final Duration TIMEOUT = Duration.ofSeconds(2);

  private final SharedAdminClient admin;
  private final Topics topics;

  ReplicaPlacement(SharedAdminClient admin, Topics topics) {
    this.admin = admin;
    this.topics = topics;
  }

  /** A member of the workers' group: its client id and its partitions of the task type's topic. */
  record Member(String clientId, List<Integer> partitions) {}

  /** A partition of {@code taskType}'s topic that a worker other than {@code workerId} consumes, if any. */
  OptionalInt partitionAvoiding(String taskType, String workerId) {
    if (workerId == null) {
      return OptionalInt.empty();
    }
    var group = Topics.workerGroup(taskType);
    var topic = topics.tasks(taskType);
    try {
      var description = admin.get().describeConsumerGroups(List.of(group)).all()
          .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).get(group);
      var members = new ArrayList<Member>();
      for (var member : description.members()) {
        members.add(new Member(member.clientId(), member.assignment().topicPartitions().stream()
            .filter(partition -> partition.topic().equals(topic)).map(partition -> partition.partition()).toList()));
      }
      return choose(members, Topics.workerClientId(workerId, taskType), ThreadLocalRandom.current());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return OptionalInt.empty();
    } catch (Exception e) {
      log.debug("Cannot read who consumes {}; the replica goes where its key sends it: {}", topic, e.toString());
      return OptionalInt.empty();
    }
  }

  /** One of the partitions of the members other than {@code avoidClientId}, at random; empty when none. */
  static OptionalInt choose(List<Member> members, String avoidClientId, RandomGenerator random) {
    var others = members.stream().filter(member -> !member.clientId().equals(avoidClientId))
        .flatMap(member -> member.partitions().stream()).sorted().distinct().toList();
    return others.isEmpty() ? OptionalInt.empty() : OptionalInt.of(others.get(random.nextInt(others.size())));
  }
}
