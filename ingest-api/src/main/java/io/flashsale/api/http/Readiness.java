package io.flashsale.api.http;

import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ConsumerGroupDescription;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.admin.DescribeConsumerGroupsOptions;
import org.apache.kafka.clients.admin.ListConsumerGroupOffsetsOptions;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.GroupState;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;

/**
 * Whether a purchase can be taken end to end: the broker answers, the topology runs, and the views have read what
 * was there when they started.
 *
 * <p>The API cannot ask the topology, so "runs" is read from Kafka, about the topology's consumer group: its members
 * (a group without members, or rebalancing, decides nothing) and its committed positions on the topics it decides
 * from (purchase-requests, hold-cancellations, payment-events), against their ends. Under exactly-once the topology
 * commits its positions with every transaction (every 100 ms by default while it has work), so where records wait
 * and the position does not move, it is not deciding: a topology whose tasks are restoring or failing again and
 * again has a stable group with members and decides nothing, which is how a killed stack once stayed unready for
 * minutes while this answered 200. The data flow has no heartbeat to read instead: the topology writes only when
 * it decides. An idle topology (nothing waits) that is stable counts as running.
 *
 * <p>A grace keeps a short rebalance (a topology instance joining or leaving) or a slow commit from taking every
 * API out of the load balancer at once: the topology is not running once its group has been without stable members,
 * or records have waited without its position moving, for longer than the grace. A starting API trusts nothing it
 * has not seen: it is not ready until it has seen the group stable and every waiting partition's position move.
 */
public final class Readiness {
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(2);
  /** What the topology decides from; a backlog that does not move on any of them means it does not run. */
  public static final List<String> DECIDED_TOPICS = List.of(Topics.PURCHASE_REQUESTS, Topics.HOLD_CANCELLATIONS,
      Topics.PAYMENT_EVENTS);

  private final Admin admin;
  private final String topologyApplicationId;
  private final BooleanSupplier salesCaughtUp;
  private final BooleanSupplier purchasesCaughtUp;
  private final Duration grace;
  private final Clock clock;
  // What the topology was last seen doing; guarded by this.
  private Instant groupLastStable;
  private boolean seenRunning;
  /** Per partition with records waiting: the position last seen and when it last moved (null: not seen moving). */
  private final Map<TopicPartition, Waiting> waiting = new HashMap<>();

  private record Waiting(long position, Instant movedAt) {}

  /** {@code salesCaughtUp}, {@code purchasesCaughtUp}: whether the sale and purchase views have read their topics. */
  public Readiness(Admin admin, String topologyApplicationId, BooleanSupplier salesCaughtUp,
                   BooleanSupplier purchasesCaughtUp, Duration grace, Clock clock) {
    this.admin = admin;
    this.topologyApplicationId = topologyApplicationId;
    this.salesCaughtUp = salesCaughtUp;
    this.purchasesCaughtUp = purchasesCaughtUp;
    this.grace = grace;
    this.clock = clock;
  }

  /** Each check by name, true when it passed. */
  public Map<String, Boolean> checks() {
    Map<String, Boolean> checks = new LinkedHashMap<>();
    checks.put("broker", brokerReachable());
    checks.put("topology", checks.get("broker") && topologyRunning());
    checks.put("salesView", salesCaughtUp.getAsBoolean());
    checks.put("purchaseView", purchasesCaughtUp.getAsBoolean());
    return checks;
  }

  private boolean brokerReachable() {
    try {
      var options = new DescribeClusterOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis());
      return !admin.describeCluster(options).nodes().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  private boolean topologyRunning() {
    boolean stable;
    Map<TopicPartition, Long> positions;
    Map<TopicPartition, Long> ends;
    try {
      stable = groupStable();
      positions = committedPositions();
      ends = endOffsets();
    } catch (ExecutionException | TimeoutException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
    return judge(clock.instant(), stable, positions, ends);
  }

  /** The topology runs if its group was stable within the grace and no waiting record has waited longer unmoved. */
  synchronized boolean judge(Instant now, boolean stable, Map<TopicPartition, Long> positions,
                             Map<TopicPartition, Long> ends) {
    if (stable) {
      groupLastStable = now;
    }
    boolean groupRuns = groupLastStable != null && !now.isAfter(groupLastStable.plus(grace));
    boolean moving = true;
    for (Map.Entry<TopicPartition, Long> end : ends.entrySet()) {
      long position = positions.getOrDefault(end.getKey(), 0L);
      if (position >= end.getValue()) {
        waiting.remove(end.getKey());
        continue;
      }
      Waiting before = waiting.get(end.getKey());
      Waiting seen = before == null
          // Records that start waiting while the topology is known to run are given the grace to be taken; a
          // starting API has seen nothing run yet and waits to see the position move.
          ? new Waiting(position, seenRunning ? now : null)
          : before.position() != position ? new Waiting(position, now) : before;
      waiting.put(end.getKey(), seen);
      if (seen.movedAt() == null || now.isAfter(seen.movedAt().plus(grace))) {
        moving = false;
      }
    }
    boolean running = groupRuns && moving;
    seenRunning |= running;
    return running;
  }

  private boolean groupStable() throws ExecutionException, TimeoutException, InterruptedException {
    var options = new DescribeConsumerGroupsOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis());
    ConsumerGroupDescription group = admin.describeConsumerGroups(List.of(topologyApplicationId), options)
        .describedGroups().get(topologyApplicationId).get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    return group.groupState() == GroupState.STABLE && !group.members().isEmpty();
  }

  private Map<TopicPartition, Long> committedPositions() throws ExecutionException, TimeoutException,
      InterruptedException {
    Map<TopicPartition, OffsetAndMetadata> committed = admin.listConsumerGroupOffsets(topologyApplicationId,
            new ListConsumerGroupOffsetsOptions().timeoutMs((int) CHECK_TIMEOUT.toMillis()))
        .partitionsToOffsetAndMetadata().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    Map<TopicPartition, Long> positions = new HashMap<>();
    committed.forEach((partition, offset) -> {
      if (offset != null && DECIDED_TOPICS.contains(partition.topic())) {
        positions.put(partition, offset.offset());
      }
    });
    return positions;
  }

  /** The ends a read_committed reader sees: records of a transaction still open do not wait yet. */
  private Map<TopicPartition, Long> endOffsets() throws ExecutionException, TimeoutException, InterruptedException {
    Map<String, TopicDescription> topics = admin.describeTopics(DECIDED_TOPICS).allTopicNames()
        .get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
    topics.values().forEach(topic -> topic.partitions().forEach(p ->
        latest.put(new TopicPartition(topic.name(), p.partition()), OffsetSpec.latest())));
    Map<TopicPartition, Long> ends = new HashMap<>();
    admin.listOffsets(latest, new ListOffsetsOptions(IsolationLevel.READ_COMMITTED)
            .timeoutMs((int) CHECK_TIMEOUT.toMillis()))
        .all().get(CHECK_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .forEach((partition, info) -> ends.put(partition, info.offset()));
    return ends;
  }
}
