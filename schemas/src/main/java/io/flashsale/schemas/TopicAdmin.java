package io.flashsale.schemas;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Creates the catalogue's topics where they are missing (existing topics are left as they are), and states how
 * many copies of them a deployment must keep.
 */
public final class TopicAdmin {
  /** The replication factor below which a broker's loss can lose or block acknowledged writes. */
  public static final short MIN_PRODUCTION_REPLICATION_FACTOR = 3;
  /** acks=all waits for this many copies: with 3 replicas, one broker may die without losing a write or blocking one. */
  private static final int MIN_INSYNC_REPLICAS = 2;

  private static final Duration LEADER_TIMEOUT = Duration.ofSeconds(60);

  private TopicAdmin() {}

  /** The default of FLASHSALE_REPLICATION_FACTOR: a single broker in local mode, otherwise what production needs. */
  public static short defaultReplicationFactor(boolean localMode) {
    return localMode ? 1 : MIN_PRODUCTION_REPLICATION_FACTOR;
  }

  /** Refuses a replication factor that would make acks=all mean one copy, unless in local mode. */
  public static void requireReplicationFactor(short replicationFactor, boolean localMode) {
    if (replicationFactor < 1) {
      throw new IllegalArgumentException("FLASHSALE_REPLICATION_FACTOR must be at least 1, was " + replicationFactor);
    }
    if (!localMode && replicationFactor < MIN_PRODUCTION_REPLICATION_FACTOR) {
      throw new IllegalArgumentException("FLASHSALE_REPLICATION_FACTOR must be at least "
          + MIN_PRODUCTION_REPLICATION_FACTOR + " outside local mode (FLASHSALE_LOCAL_MODE=true), was "
          + replicationFactor + ": with fewer copies a 202 does not survive the loss of a broker");
    }
  }

  /** min.insync.replicas for a topic of this replication factor: 2, or all replicas when there are fewer. */
  public static int minInsyncReplicas(short replicationFactor) {
    return Math.min(MIN_INSYNC_REPLICAS, replicationFactor);
  }

  public static void ensureTopics(Admin admin, Topics topics, int partitions, short replicationFactor) {
    ensureTopics(admin, topics.all(), partitions, replicationFactor);
  }

  /** Only {@code wanted} of the catalogue: what a process that reads a few topics needs, and nothing it does not. */
  public static void ensureTopics(Admin admin, List<Topics.Topic<?, ?>> wanted, int partitions, short replicationFactor) {
    try {
      Set<String> existing = admin.listTopics().names().get();
      List<NewTopic> missing = newTopics(wanted, partitions, replicationFactor).stream()
          .filter(t -> !existing.contains(t.name()))
          .toList();
      if (missing.isEmpty()) {
        return;
      }
      try {
        admin.createTopics(missing).all().get();
      } catch (ExecutionException e) {
        if (!(e.getCause() instanceof TopicExistsException)) { // another instance won the race: fine
          throw new IllegalStateException("Could not create topics", e.getCause());
        }
      }
      awaitLeaders(admin, missing.stream().map(NewTopic::name).toList());
    } catch (ExecutionException e) {
      throw new IllegalStateException("Could not create topics", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while creating topics", e);
    }
  }

  /** Every topic of the catalogue as it is created where missing: the same partition count for all, so that topics keyed alike are co-partitioned. */
  public static List<NewTopic> newTopics(Topics topics, int partitions, short replicationFactor) {
    return newTopics(topics.all(), partitions, replicationFactor);
  }

  private static List<NewTopic> newTopics(List<Topics.Topic<?, ?>> topics, int partitions, short replicationFactor) {
    return topics.stream()
        .map(t -> new NewTopic(t.name(), partitions, replicationFactor).configs(config(t, replicationFactor)))
        .toList();
  }

  /**
   * Waits until every partition of new topics has a leader, so that the first writes of whoever created them
   * do not meet partitions without one (a refused first batch of an idempotent producer, retried behind later
   * batches that were taken, is refused as out of sequence for as long as it retries).
   */
  private static void awaitLeaders(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
    long deadline = System.nanoTime() + LEADER_TIMEOUT.toNanos();
    while (true) {
      if (led(admin, names)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("New topics " + names + " have partitions without a leader after " + LEADER_TIMEOUT);
      }
      Thread.sleep(50);
    }
  }

  private static boolean led(Admin admin, List<String> names) throws InterruptedException, ExecutionException {
    try {
      return admin.describeTopics(names).allTopicNames().get().values().stream()
          .flatMap(topic -> topic.partitions().stream())
          .allMatch(partition -> partition.leader() != null && !partition.leader().isEmpty());
    } catch (ExecutionException e) {
      if (e.getCause() instanceof UnknownTopicOrPartitionException) {
        return false; // created, but not in this broker's metadata yet
      }
      throw e;
    }
  }

  /** The topic's own settings, with the min ISR that makes acks=all wait for a second copy. */
  private static Map<String, String> config(Topics.Topic<?, ?> topic, short replicationFactor) {
    Map<String, String> config = new HashMap<>(topic.config());
    config.put(TopicConfig.MIN_IN_SYNC_REPLICAS_CONFIG, String.valueOf(minInsyncReplicas(replicationFactor)));
    return config;
  }
}
