package io.flashsale.local;

import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.topology.LastDrawRules;
import io.flashsale.topology.LotteryRules;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.UUID;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Checks a published lottery draw (or a closed last draw, {@link #verifyLastDraw}) against the logs, as anyone with read access to them can: the seed against the
 * hash the sale showed from its creation, the tickets, digest and winners recomputed by the topology's own rules
 * ({@link LotteryRules#recompute}) from every request of the sale's entry window on {@code purchase-requests} (its
 * {@code endsAt}, or an admin's end on {@code sale-ends}), and the winners against {@code purchase-outcomes}. The
 * draw's own claim of its last entry is checked, never trusted: a draw that stopped taking entries before the window
 * closed does not verify.
 */
public final class DrawVerification {
  private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

  /** What the check found: nothing wrong when {@code mismatches} is empty. */
  public record Result(String saleId, long entries, long winners, List<String> mismatches) {
    public boolean matches() {
      return mismatches.isEmpty();
    }
  }

  /** The sale or its draw is not in the log: there is nothing to verify. */
  public static final class NothingToVerify extends RuntimeException {
    NothingToVerify(String message) {
      super(message);
    }
  }

  private final KafkaSettings kafka;
  private final Topics topics;

  public DrawVerification(KafkaSettings kafka, Topics topics) {
    this.kafka = kafka;
    this.topics = topics;
  }

  public Result verify(String saleId) {
    kafka.connectAdmin("flashsale-verify-draw").close(); // refused credentials fail here, not in a consumer's retries
    ConsumerRecord<String, Sale> defined = read(Topics.SALES, topics.sales.valueSerde().deserializer(), p -> true,
        Long.MAX_VALUE).stream().filter(r -> r.value() != null && r.value().getSaleId().equals(saleId)).findFirst()
        .orElseThrow(() -> new NothingToVerify("No sale " + saleId + " on " + Topics.SALES));
    Sale sale = defined.value();
    List<DrawResult> draws = read(Topics.LOTTERY_DRAWS, topics.lotteryDraws.valueSerde().deserializer(), p -> true,
        Long.MAX_VALUE).stream().map(ConsumerRecord::value).filter(d -> d != null && d.getSaleId().equals(saleId))
        .toList();
    if (draws.isEmpty()) {
      throw new NothingToVerify("Sale " + saleId + " has no draw on " + Topics.LOTTERY_DRAWS + " yet");
    }
    List<String> mismatches = new ArrayList<>();
    DrawResult first = draws.get(0);
    for (int i = 1; i < draws.size(); i++) {
      if (!draws.get(i).equals(first)) {
        mismatches.add("a second, different draw record for the sale: " + describe(draws.get(i)));
      }
    }
    checkSeed(sale, first, mismatches);
    if (sale.getLastDraw()) {
      return verifyLastDraw(sale, defined.partition(), first, mismatches);
    }
    // The entries are every request of the sale's whole entry window on its partition (sales and purchase-requests
    // are co-partitioned by SKU), whatever the draw says its last entry was: a draw cut off early must not verify.
    int partition = defined.partition();
    Instant windowEnd = entryWindowEnd(sale, partition);
    List<LotteryRules.LoggedRequest> window = requestsBefore(partition, windowEnd);
    LotteryRules.Recomputed again = LotteryRules.recompute(sale, first.getSeed(), window, partition, Long.MAX_VALUE,
        Integer.MAX_VALUE);
    compare("entries", first.getEntries(), again.tickets().size(), mismatches);
    compare("winners", first.getWinners(), again.winningRequestIds().size(), mismatches);
    if (!first.getEntriesDigest().equals(again.entriesDigest())) {
      mismatches.add("entriesDigest: published " + first.getEntriesDigest() + ", recomputed " + again.entriesDigest());
    }
    checkLastEntry(sale, first, partition, windowEnd, window, again, mismatches);
    for (DrawResult other : draws.subList(1, draws.size())) {
      if (!other.getEntriesDigest().equals(again.entriesDigest()) || other.getWinners() != again.winningRequestIds().size()) {
        mismatches.add("the draw record " + describe(other) + " does not match the recomputation");
      }
    }
    checkOutcomes(saleId, again, mismatches);
    return new Result(saleId, again.tickets().size(), again.winningRequestIds().size(), mismatches);
  }

  /**
   * A last draw: every round on {@code last-draws} recomputed by the topology's own rules ({@link LastDrawRules#verify})
   * from the seed, the sale's queue joins (its partition of {@code queue-joins}, co-partitioned with the sale) and its
   * outcomes on {@code purchase-outcomes}; the closing record's digest and winners against the rounds.
   */
  private Result verifyLastDraw(Sale sale, int partition, DrawResult closing, List<String> mismatches) {
    String saleId = sale.getSaleId();
    List<QueueJoin> joins = read(Topics.QUEUE_JOINS, topics.queueJoins.valueSerde().deserializer(),
        p -> p == partition, Long.MAX_VALUE).stream().map(ConsumerRecord::value)
        .filter(j -> j != null && j.getSaleId().equals(saleId)).toList();
    List<PurchaseOutcome> outcomes = read(Topics.PURCHASE_OUTCOMES, topics.purchaseOutcomes.valueSerde().deserializer(),
        p -> true, Long.MAX_VALUE).stream().map(ConsumerRecord::value)
        .filter(o -> o != null && o.getSaleId().equals(saleId)).toList();
    List<LastDrawRound> rounds = read(Topics.LAST_DRAWS, topics.lastDraws.valueSerde().deserializer(), p -> true,
        Long.MAX_VALUE).stream().map(ConsumerRecord::value).filter(r -> r != null && r.getSaleId().equals(saleId))
        .toList();
    mismatches.addAll(LastDrawRules.verify(sale, closing.getSeed(), joins, outcomes, rounds, closing));
    long winners = rounds.stream().mapToLong(r -> r.getWinners().size()).sum();
    return new Result(saleId, closing.getEntries(), winners, mismatches);
  }

  /**
   * When the sale stopped taking entries: its {@code endsAt}, or the broker's time of the first admin end before it
   * on {@code sale-ends} (co-partitioned with the sale; the topology takes no request logged at or after it).
   */
  private Instant entryWindowEnd(Sale sale, int partition) {
    return read(Topics.SALE_ENDS, topics.saleEnds.valueSerde().deserializer(), p -> p == partition, Long.MAX_VALUE)
        .stream()
        .filter(r -> r.value() != null && r.value().getSaleId().equals(sale.getSaleId())
            && r.value().getSku().equals(sale.getSku()))
        .map(r -> Instant.ofEpochMilli(r.timestamp()))
        .filter(endedAt -> endedAt.isBefore(sale.getEndsAt()))
        .min(Instant::compareTo)
        .orElse(sale.getEndsAt());
  }

  /**
   * The draw's own claim of its last entry against the window: an entry of the window after it means the draw was cut
   * off before the window's end (a task that took a request only once the draw had begun), which is named here.
   */
  private static void checkLastEntry(Sale sale, DrawResult draw, int partition, Instant windowEnd,
      List<LotteryRules.LoggedRequest> window, LotteryRules.Recomputed again, List<String> mismatches) {
    Map<String, LotteryRules.LoggedRequest> placeOf = new HashMap<>();
    window.forEach(logged -> placeOf.putIfAbsent(logged.request().getRequestId(), logged));
    List<LotteryRules.LoggedRequest> tickets = again.tickets().stream()
        .map(t -> placeOf.get(t.request().getRequestId()))
        .sorted(Comparator.comparingLong(LotteryRules.LoggedRequest::offset)
            .thenComparingInt(LotteryRules.LoggedRequest::index))
        .toList();
    String claimed = draw.getLastEntryPartition() + "-" + draw.getLastEntryOffset() + "/" + draw.getLastEntryIndex();
    if (draw.getEntries() > 0 && draw.getLastEntryPartition() != partition) {
      mismatches.add("lastEntry: published on partition " + draw.getLastEntryPartition() + " of "
          + Topics.PURCHASE_REQUESTS + ", but the sale's requests are on partition " + partition);
      return;
    }
    List<LotteryRules.LoggedRequest> after = tickets.stream()
        .filter(t -> draw.getEntries() == 0 || t.offset() > draw.getLastEntryOffset()
            || (t.offset() == draw.getLastEntryOffset() && t.index() > draw.getLastEntryIndex()))
        .toList();
    if (!after.isEmpty()) {
      mismatches.add("cut off early: the draw's last entry is " + (draw.getEntries() == 0 ? "none" : claimed)
          + " on " + Topics.PURCHASE_REQUESTS + ", but " + after.size() + " entries of the sale's window ["
          + sale.getStartsAt() + ", " + windowEnd + ") come after it: "
          + after.stream().limit(20).map(t -> t.request().getRequestId() + " at " + place(t) + " logged "
              + t.loggedAt()).toList());
    } else if (!tickets.isEmpty()) {
      LotteryRules.LoggedRequest last = tickets.get(tickets.size() - 1);
      if (last.offset() != draw.getLastEntryOffset() || last.index() != draw.getLastEntryIndex()) {
        mismatches.add("lastEntry: published " + claimed + ", but the window's last entry is " + place(last));
      }
    }
    if (draw.getDrawnAt().isBefore(windowEnd)) {
      mismatches.add("drawnAt: " + draw.getDrawnAt() + ", before the sale's entry window ended at " + windowEnd);
    }
  }

  private static String place(LotteryRules.LoggedRequest logged) {
    return logged.partition() + "-" + logged.offset() + "/" + logged.index();
  }

  private static void checkSeed(Sale sale, DrawResult draw, List<String> mismatches) {
    String hash = LotteryRules.seedHash(draw.getSeed());
    if (!hash.equals(draw.getSeedHash())) {
      mismatches.add("seedHash: published " + draw.getSeedHash() + ", SHA-256 of the seed is " + hash);
    }
    if (sale.getDrawSeedHash() != null && !hash.equals(sale.getDrawSeedHash())) {
      mismatches.add("seed: its SHA-256 " + hash + " is not the drawSeedHash " + sale.getDrawSeedHash()
          + " the sale showed since its creation");
    }
    if (sale.getDrawSeedHash() == null && !draw.getSeed().equals(sale.getSaleId())) {
      mismatches.add("seed: a sale without drawSeedHash is drawn with its saleId as the seed");
    }
  }

  /** Every winner recomputed was ACCEPTED, nobody else was, and every ticket was decided. */
  private void checkOutcomes(String saleId, LotteryRules.Recomputed again, List<String> mismatches) {
    Set<String> accepted = new HashSet<>();
    Set<String> decided = new HashSet<>();
    for (ConsumerRecord<String, PurchaseOutcome> record : read(Topics.PURCHASE_OUTCOMES,
        topics.purchaseOutcomes.valueSerde().deserializer(), p -> true, Long.MAX_VALUE)) {
      PurchaseOutcome outcome = record.value();
      if (outcome == null || !outcome.getSaleId().equals(saleId)) {
        continue;
      }
      if (outcome.getStatus() == OutcomeStatus.ACCEPTED) {
        accepted.add(outcome.getRequestId());
      }
      if (outcome.getStatus() == OutcomeStatus.ACCEPTED || outcome.getStatus() == OutcomeStatus.REJECTED) {
        decided.add(outcome.getRequestId());
      }
    }
    Set<String> notWinners = new HashSet<>(accepted);
    notWinners.removeAll(again.winningRequestIds());
    Set<String> missing = new HashSet<>(again.winningRequestIds());
    missing.removeAll(accepted);
    if (!notWinners.isEmpty()) {
      mismatches.add("ACCEPTED on " + Topics.PURCHASE_OUTCOMES + " but no winner of the draw: " + sorted(notWinners));
    }
    if (!missing.isEmpty()) {
      mismatches.add("winners of the draw never ACCEPTED on " + Topics.PURCHASE_OUTCOMES + ": " + sorted(missing));
    }
    Set<String> undecided = again.tickets().stream().map(t -> t.request().getRequestId())
        .filter(id -> !decided.contains(id)).collect(Collectors.toSet());
    if (!undecided.isEmpty()) {
      mismatches.add("tickets without a decision on " + Topics.PURCHASE_OUTCOMES + ": " + sorted(undecided));
    }
  }

  /**
   * Every request of the sale's partition of purchase-requests logged before {@code windowEnd}, in log order, from
   * the beginning (a request id seen before the window is a retry in it). The window's start is the rules' to judge.
   */
  private List<LotteryRules.LoggedRequest> requestsBefore(int partition, Instant windowEnd) {
    List<LotteryRules.LoggedRequest> log = new ArrayList<>();
    for (ConsumerRecord<String, PurchaseBatch> record : read(Topics.PURCHASE_REQUESTS,
        topics.purchaseRequests.valueSerde().deserializer(), p -> p == partition, Long.MAX_VALUE)) {
      if (record.value() == null || !Instant.ofEpochMilli(record.timestamp()).isBefore(windowEnd)) {
        continue;
      }
      List<PurchaseRequest> requests = record.value().getRequests();
      for (int index = 0; index < requests.size(); index++) {
        log.add(new LotteryRules.LoggedRequest(requests.get(index), record.partition(), record.offset(), index,
            Instant.ofEpochMilli(record.timestamp())));
      }
    }
    return log;
  }

  /**
   * The committed records of a topic's chosen partitions from the beginning to their end (or to {@code untilOffset},
   * exclusive), decoded; a record that cannot be decoded fails the check, as the topology would not have skipped it.
   */
  private <V> List<ConsumerRecord<String, V>> read(String topic, Deserializer<V> values, Predicate<Integer> partitions,
      long untilOffset) {
    Properties config = kafka.consumerProperties(Map.of(
        ConsumerConfig.GROUP_ID_CONFIG, "verify-draw-" + UUID.randomUUID(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false));
    List<ConsumerRecord<String, V>> records = new ArrayList<>();
    try (KafkaConsumer<byte[], byte[]> consumer =
        new KafkaConsumer<>(config, new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      List<TopicPartition> assigned = consumer.partitionsFor(topic).stream().map(p -> p.partition())
          .filter(partitions).map(p -> new TopicPartition(topic, p)).toList();
      consumer.assign(assigned);
      consumer.seekToBeginning(assigned);
      Map<TopicPartition, Long> end = consumer.endOffsets(assigned);
      end.replaceAll((partition, offset) -> Math.min(offset, untilOffset));
      long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
      while (assigned.stream().anyMatch(p -> consumer.position(p) < end.get(p))) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("Could not read " + topic + " to its end in " + READ_TIMEOUT);
        }
        for (ConsumerRecord<byte[], byte[]> raw : consumer.poll(Duration.ofMillis(200))) {
          if (raw.offset() >= end.get(new TopicPartition(raw.topic(), raw.partition()))) {
            continue;
          }
          String key = raw.key() == null ? null : new String(raw.key(), java.nio.charset.StandardCharsets.UTF_8);
          V value = raw.value() == null ? null : values.deserialize(topic, raw.value());
          records.add(new ConsumerRecord<>(topic, raw.partition(), raw.offset(), raw.timestamp(), raw.timestampType(),
              raw.serializedKeySize(), raw.serializedValueSize(), key, value, raw.headers(), raw.leaderEpoch()));
        }
      }
    }
    return records;
  }

  private static void compare(String what, long published, long recomputed, List<String> mismatches) {
    if (published != recomputed) {
      mismatches.add(what + ": published " + published + ", recomputed " + recomputed);
    }
  }

  private static String describe(DrawResult draw) {
    return "{seedHash " + draw.getSeedHash() + ", entries " + draw.getEntries() + ", winners " + draw.getWinners()
        + ", entriesDigest " + draw.getEntriesDigest() + "}";
  }

  private static List<String> sorted(Set<String> ids) {
    return ids.stream().sorted().limit(20).toList();
  }
}
