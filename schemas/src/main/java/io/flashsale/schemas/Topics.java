package io.flashsale.schemas;

import io.flashsale.schemas.serde.AvroSerde;
import io.flashsale.schemas.serde.PurchaseBatchSerde;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * The one catalogue of topics: name, key and value serdes, and topic settings. Every module reads and
 * writes topics through this class, so a topic's contract is stated once.
 */
public final class Topics {
  static {
    // Every process names its topics and serdes here before it reads or copies a record: the generated classes are
    // trusted from then on (Avro 1.12.1's class check, see AvroSerde).
    AvroSerde.trustGeneratedClasses();
  }


  /** A topic with the serdes of its keys and values and the settings it is created with. */
  public record Topic<K, V>(String name, Serde<K> keySerde, Serde<V> valueSerde, Map<String, String> config) {}

  private static final Map<String, String> KEEP_FOREVER = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1");
  private static final Map<String, String> EVENTS = Map.of();
  /** The nightly reconciliation reads a past day from the log, so a day can be rerun for a month. */
  private static final Map<String, String> RECONCILED =
      Map.of(TopicConfig.RETENTION_MS_CONFIG, String.valueOf(30L * 24 * 60 * 60 * 1000));
  /**
   * Stamped with the broker's clock on append, whatever the producer set: the topology judges a sale's window
   * by this one clock instead of each API instance's own. Only a topic being created gets it (TopicAdmin
   * creates missing topics only); an operator changes an existing one with
   * {@code kafka-configs --bootstrap-server ... --alter --entity-type topics --entity-name purchase-requests
   * --add-config message.timestamp.type=LogAppendTime}.
   */
  private static final Map<String, String> BROKER_TIMESTAMPED =
      Map.of(TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
  private static final Map<String, String> KEEP_FOREVER_APPEND_TIMED = Map.of(TopicConfig.RETENTION_MS_CONFIG, "-1",
      TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
  /** An audit trail is asked for long after the fact: a year, stamped with the broker's clock. */
  private static final Map<String, String> AUDITED = Map.of(
      TopicConfig.RETENTION_MS_CONFIG, String.valueOf(365L * 24 * 60 * 60 * 1000),
      TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "LogAppendTime");
  private static final Map<String, String> COMPACTED =
      Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT);

  /**
   * Claims of sale ids, key = saleId, value = the definition its claimant wants to create. The ordering point of
   * sale creation: every claim of one id lands in the same partition (the key decides it), so "first" is that
   * partition's order, which every API instance reads alike; the first claim of an id wins, and only its
   * claimant writes the sale to {@link #sales}. {@code sales} cannot order them itself: it is keyed by SKU, so
   * two definitions of one id with different SKUs sit in different partitions, read by different tasks.
   * Kept forever (not compacted: compaction keeps the last claim, the winner is the first).
   */
  public final Topic<String, Sale> saleClaims;
  /**
   * Sale definitions that won their claim, key = SKU so that a sale lands in the same task as its purchases.
   * Kept forever: a sale is small.
   */
  public final Topic<String, Sale> sales;
  /**
   * Purchase requests, key = SKU, many per record ({@link PurchaseBatch}). The partition is the queue: first
   * come first served is log order, then order within the record. Its records carry the broker's append time,
   * by which the sale window is judged.
   */
  public final Topic<String, PurchaseBatch> purchaseRequests;
  /** Every decision about a request (ACCEPTED, REJECTED, and later how a hold ended), key = requestId. */
  public final Topic<String, PurchaseOutcome> purchaseOutcomes;
  /** Verified webhooks of the payment provider, key = SKU (co-partitioned with the purchases they pay). */
  public final Topic<String, PaymentEvent> paymentEvents;
  /** Buyers giving a held purchase back, key = SKU. */
  public final Topic<String, HoldCancellation> holdCancellations;
  /**
   * Admins ending a sale now, key = SKU (the sale's task decides it, in line with its purchases). Broker-stamped
   * like purchase requests: the sale ends at the one clock that judges them. Kept forever: an end is small.
   */
  public final Topic<String, SaleEnd> saleEnds;
  /** One purchase request on its own, as a batch holds it: for stores and dead letters of a single request. */
  public final Serde<PurchaseRequest> purchaseRequest;
  /** Latest stock and counters per sale, key = saleId, compacted. */
  public final Topic<String, StockLevel> stockLevels;
  /** Input records the topology could not read or process, raw bytes with the error in headers. */
  public final Topic<byte[], byte[]> deadLetters;
  /** What the nightly reconciliation corrected on its own, key = correctionId. Kept forever: it is the audit trail. */
  public final Topic<String, Correction> corrections;
  /**
   * Buyers joining waiting rooms, key = SKU, stamped with the broker's clock: a join before the sale's start by
   * that clock is in the pre-queue. The topology gives each user one place per sale.
   */
  public final Topic<String, QueueJoin> queueJoins;
  /** Each join's place, key = SKU; the API tails it to answer the join. Places need no history. */
  public final Topic<String, QueuePlace> queuePlaces;
  /** Joined count and pre-queue size per waiting room, key = saleId, compacted. */
  public final Topic<String, QueueStats> queueStats;
  /** An admin's changes of admission rate and proof of work, key = saleId, stamped with the broker's clock. Kept forever. */
  public final Topic<String, WaitingRoomChange> waitingRoomChanges;
  /**
   * The secret seeds of lottery draws, key = SKU (co-partitioned with the sale), written by the API before the sale's
   * claim. Only the topology may read it (restrict it by ACL): the seed is revealed with the draw. Kept forever.
   */
  public final Topic<String, DrawSeed> drawSeeds;
  /** Every lottery draw once it is over, with its seed revealed, key = saleId. Kept forever: it is the proof. */
  public final Topic<String, DrawResult> lotteryDraws;
  /**
   * The rounds of last-draw sales (units that came back after a sell-out, drawn among buyers still waiting), key =
   * saleId. Kept forever: with the seed on lottery-draws it is the proof; the API tails it to admit the winners.
   */
  public final Topic<String, LastDrawRound> lastDraws;
  /**
   * Every admin action the API answered (and every one it refused to an admin without the operator role), key =
   * actor, stamped with the broker's clock. Kept 365 days.
   */
  public final Topic<String, AdminAuditEvent> adminAudit;
  /**
   * Stock moving between the shards of a sharded sale, key = the receiving shard's SKU (co-partitioned with its
   * purchases), written and read by the topology only ({@link Shards}).
   */
  public final Topic<String, StockTransfer> stockTransfers;
  /**
   * Buyers' orders (several held purchases paid at once), key = orderId, written by the API, read by every API
   * instance to show an order, whichever took it. Compacted, as an order's latest record is the order, and deleted
   * after the reconciliation's month: a month-old order is settled and in PostgreSQL (its payment events carry the
   * orderId). Not purchase-outcomes: that topic is the topology's, keyed by request, and an order spans requests.
   */
  public final Topic<String, Order> orders;

  public static final String SALE_CLAIMS = "sale-claims";
  public static final String SALES = "sales";
  public static final String PURCHASE_REQUESTS = "purchase-requests";
  public static final String PURCHASE_OUTCOMES = "purchase-outcomes";
  public static final String PAYMENT_EVENTS = "payment-events";
  public static final String HOLD_CANCELLATIONS = "hold-cancellations";
  public static final String STOCK_LEVELS = "stock-levels";
  public static final String SALE_ENDS = "sale-ends";
  public static final String DEAD_LETTERS = "flashsale-dead-letters";
  public static final String CORRECTIONS = "reconciliation-corrections";
  public static final String QUEUE_JOINS = "queue-joins";
  public static final String QUEUE_PLACES = "queue-places";
  public static final String QUEUE_STATS = "queue-stats";
  public static final String WAITING_ROOM_CHANGES = "waiting-room-changes";
  public static final String DRAW_SEEDS = "draw-seeds";
  public static final String LOTTERY_DRAWS = "lottery-draws";
  public static final String LAST_DRAWS = "last-draws";
  public static final String ADMIN_AUDIT = "admin-audit";
  public static final String STOCK_TRANSFERS = "stock-transfers";
  public static final String ORDERS = "orders";

  private Topics(SchemaRegistry registry) {
    saleClaims = new Topic<>(SALE_CLAIMS, Serdes.String(), AvroSerde.forValues(Sale.class, registry), KEEP_FOREVER);
    sales = new Topic<>(SALES, Serdes.String(), AvroSerde.forValues(Sale.class, registry), KEEP_FOREVER);
    purchaseRequests = new Topic<>(PURCHASE_REQUESTS, Serdes.String(), new PurchaseBatchSerde(registry), BROKER_TIMESTAMPED);
    purchaseRequest = AvroSerde.forValues(PurchaseRequest.class, registry);
    purchaseOutcomes = new Topic<>(PURCHASE_OUTCOMES, Serdes.String(), AvroSerde.forValues(PurchaseOutcome.class, registry), RECONCILED);
    paymentEvents = new Topic<>(PAYMENT_EVENTS, Serdes.String(), AvroSerde.forValues(PaymentEvent.class, registry), RECONCILED);
    holdCancellations = new Topic<>(HOLD_CANCELLATIONS, Serdes.String(), AvroSerde.forValues(HoldCancellation.class, registry), EVENTS);
    saleEnds = new Topic<>(SALE_ENDS, Serdes.String(), AvroSerde.forValues(SaleEnd.class, registry),
        merged(KEEP_FOREVER, BROKER_TIMESTAMPED));
    stockLevels = new Topic<>(STOCK_LEVELS, Serdes.String(), AvroSerde.forValues(StockLevel.class, registry), COMPACTED);
    deadLetters = new Topic<>(DEAD_LETTERS, Serdes.ByteArray(), Serdes.ByteArray(), EVENTS);
    corrections = new Topic<>(CORRECTIONS, Serdes.String(), AvroSerde.forValues(Correction.class, registry), KEEP_FOREVER);
    queueJoins = new Topic<>(QUEUE_JOINS, Serdes.String(), AvroSerde.forValues(QueueJoin.class, registry), BROKER_TIMESTAMPED);
    queuePlaces = new Topic<>(QUEUE_PLACES, Serdes.String(), AvroSerde.forValues(QueuePlace.class, registry), EVENTS);
    queueStats = new Topic<>(QUEUE_STATS, Serdes.String(), AvroSerde.forValues(QueueStats.class, registry), COMPACTED);
    waitingRoomChanges = new Topic<>(WAITING_ROOM_CHANGES, Serdes.String(),
        AvroSerde.forValues(WaitingRoomChange.class, registry), KEEP_FOREVER_APPEND_TIMED);
    drawSeeds = new Topic<>(DRAW_SEEDS, Serdes.String(), AvroSerde.forValues(DrawSeed.class, registry), KEEP_FOREVER);
    lotteryDraws = new Topic<>(LOTTERY_DRAWS, Serdes.String(), AvroSerde.forValues(DrawResult.class, registry), KEEP_FOREVER);
    lastDraws = new Topic<>(LAST_DRAWS, Serdes.String(), AvroSerde.forValues(LastDrawRound.class, registry), KEEP_FOREVER);
    adminAudit = new Topic<>(ADMIN_AUDIT, Serdes.String(), AvroSerde.forValues(AdminAuditEvent.class, registry), AUDITED);
    stockTransfers = new Topic<>(STOCK_TRANSFERS, Serdes.String(), AvroSerde.forValues(StockTransfer.class, registry), EVENTS);
    orders = new Topic<>(ORDERS, Serdes.String(), AvroSerde.forValues(Order.class, registry), merged(RECONCILED,
        Map.of(TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_COMPACT + "," + TopicConfig.CLEANUP_POLICY_DELETE)));
  }

  /** The catalogue with serdes bound to a schema registry ({@code http(s)://...} or {@code mock://name}). */
  public static Topics using(SchemaRegistry registry) {
    return new Topics(registry);
  }

  public List<Topic<?, ?>> all() {
    return List.of(sales, purchaseRequests, purchaseOutcomes, paymentEvents, holdCancellations, stockLevels, deadLetters,
        corrections, saleClaims, saleEnds, queueJoins, queuePlaces, queueStats, waitingRoomChanges, drawSeeds,
        lotteryDraws, adminAudit, stockTransfers, orders, lastDraws);
  }

  private static Map<String, String> merged(Map<String, String> first, Map<String, String> second) {
    Map<String, String> both = new HashMap<>(first);
    both.putAll(second);
    return Map.copyOf(both);
  }
}
