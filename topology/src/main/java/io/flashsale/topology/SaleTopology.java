package io.flashsale.topology;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Topics;
import java.time.Duration;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The wiring of the flash-sale engine. Sales, purchase requests, hold cancellations and payment events
 * are all keyed by SKU and co-partitioned, so one task owns all state of a SKU and decides its records
 * in log order. Every processor that changes holds shares that task's stores.
 *
 * <pre>
 * sales              -> sale-registration -> stock-levels
 * purchase-requests  -> purchase-decision -> purchase-outcomes, stock-levels, dead letters (one per invalid request)
 *   (outcomes and stock levels pass a meter on their way to their topics)
 *   (batches of requests)
 *                       + hold expiry and lottery draws (wall clock, every second), purges (every minute)
 *                       + lottery draws in chunks -> purchase-outcomes, stock-levels, lottery-draws
 *                       + last draws (every second) -> last-draws, stock-levels, lottery-draws (when closed)
 * draw-seeds         -> seed-registration (secret seeds of lottery draws, stored for the draw)
 * hold-cancellations -> hold-cancellation -> purchase-outcomes, stock-levels
 * payment-events     -> payment-decision  -> purchase-outcomes, stock-levels
 * queue-joins        -> queue-placement   -> queue-places, queue-stats
 * sale-ends          -> sale-end          -> stock-levels (endedAt)
 * stock-transfers    -> stock-transfer    -> stock-transfers, stock-levels (between the shards of a sale)
 *   (purchase decisions of a shard running low ask the next shard: -> stock-transfers)
 * </pre>
 */
public final class SaleTopology {
  /** saleId -> Sale, the first definition of each sale. */
  public static final String SALES_STORE = "sale-definitions";
  /** saleId -> StockLevel, the sale's stock and counters. */
  public static final String STOCK_STORE = "sale-stock";
  /** saleId + separator + userId -> units the user holds or bought in that sale. */
  public static final String USER_QUANTITIES_STORE = "user-quantities";
  /**
   * requestId -> the request's latest PurchaseOutcome: dedup of retries, and the state of the hold it
   * started (ACCEPTED while live, then CONFIRMED, EXPIRED or CANCELLED).
   */
  public static final String DECIDED_REQUESTS_STORE = "decided-requests";
  /** saleId + separator + deviceId -> units all users of the device hold or bought in that sale. */
  public static final String DEVICE_QUANTITIES_STORE = "device-quantities";
  /** saleId + separator + userId -> the user's one lottery ticket (the request), until the draw decides it. */
  public static final String LOTTERY_ENTRIES_STORE = "lottery-entries";
  /**
   * saleId + separator + score + separator + userId -> userId: the tickets of a lottery being drawn, in draw order
   * (see {@link StoreKeys#ticket}).
   */
  public static final String LOTTERY_TICKETS_STORE = "lottery-tickets";
  /** saleId -> how far the sale's draw has come ({@link DrawProgress}), while it is being drawn. */
  public static final String LOTTERY_PROGRESS_STORE = "lottery-progress";
  /** saleId + separator + deviceId -> units the device won in the sale's draw. */
  public static final String LOTTERY_DEVICE_WINS_STORE = "lottery-device-wins";
  /** saleId + separator + seedHash -> the secret seed of the sale's draw. */
  public static final String DRAW_SEEDS_STORE = "draw-seeds";
  /** saleId -> endsAt (epoch ms) of every lottery sale not drawn yet. */
  public static final String LOTTERY_DRAWS_DUE_STORE = "lottery-draws-due";
  /**
   * Live holds by expiry: holdExpiresAt in epoch ms zero-padded to 13 digits + separator + requestId ->
   * requestId. Range-scanned up to now (see {@link StoreKeys#holdExpiry}).
   */
  public static final String HOLD_EXPIRIES_STORE = "hold-expiries";
  /** eventId -> when it was processed (epoch ms): payment events already counted (dedup of redeliveries). */
  public static final String PROCESSED_PAYMENT_EVENTS_STORE = "processed-payment-events";
  /**
   * decided-requests entries by purge time: purge time in epoch ms zero-padded + separator + requestId ->
   * requestId (see {@link StatePurge}).
   */
  public static final String DECIDED_REQUEST_PURGES_STORE = "decided-request-purges";
  /** Sales by purge time (likewise) -> saleId: when the sale's user and device quantities and lottery state go. */
  public static final String SALE_PURGES_STORE = "sale-purges";
  /** processed-payment-events entries by purge time (likewise) -> eventId. */
  public static final String PROCESSED_PAYMENT_PURGES_STORE = "processed-payment-purges";
  /**
   * paymentId -> the outcome the payment had (CONFIRMED or REFUND_DUE): one payment, one fate, whatever events of it
   * come later.
   */
  public static final String PAYMENT_FATES_STORE = "payment-fates";
  /** payment-fates entries by purge time (likewise) -> paymentId. */
  public static final String PAYMENT_FATE_PURGES_STORE = "payment-fate-purges";

  /** saleId of a shard -> when it asked the next shard for stock, while no answer has come back. */
  public static final String STOCK_ASKS_STORE = "stock-asks";

  /** saleId + separator + userId -> the user's place in the sale's waiting room (see {@link QueueProcessor#encode}). */
  public static final String QUEUE_MEMBERS_STORE = "queue-members";
  /** saleId -> where its last draw stands ({@link LastDrawState}), for every sale with {@code lastDraw}. */
  public static final String LAST_DRAWS_STORE = "last-draws";
  /**
   * saleId + separator + userId -> until when (epoch ms) a unit is reserved for the user, a winner of the sale's last
   * draw; {@link LastDraws#SETTLED} once claimed or lapsed (kept: nobody wins twice); {@link LastDraws#HELD} for a
   * buyer who was given a unit of the sale otherwise (no candidate: it is not waiting).
   */
  public static final String LAST_DRAW_WINNERS_STORE = "last-draw-winners";
  /** saleId -> QueueStats of its waiting room. */
  public static final String QUEUE_COUNTS_STORE = "queue-counts";

  public static final String SALES_SOURCE = "sales-source";
  public static final String QUEUE_JOINS_SOURCE = "queue-joins-source";
  public static final String QUEUE_PLACEMENT = "queue-placement";
  public static final String QUEUE_PLACES_SINK = "queue-places-sink";
  public static final String QUEUE_STATS_SINK = "queue-stats-sink";
  /** How often a waiting room's changed counts are sent. */
  public static final Duration QUEUE_STATS_INTERVAL = Duration.ofMillis(500);
  /** How long after a start without joins its pre-queue is closed by the wall clock. */
  public static final Duration PRE_QUEUE_CLOSE_GRACE = Duration.ofSeconds(5);
  public static final String PURCHASE_REQUESTS_SOURCE = "purchase-requests-source";
  public static final String HOLD_CANCELLATIONS_SOURCE = "hold-cancellations-source";
  public static final String PAYMENT_EVENTS_SOURCE = "payment-events-source";
  public static final String SALE_ENDS_SOURCE = "sale-ends-source";
  public static final String SALE_END = "sale-end";
  public static final String STOCK_TRANSFERS_SOURCE = "stock-transfers-source";
  public static final String STOCK_TRANSFER = "stock-transfer";
  public static final String STOCK_TRANSFERS_SINK = "stock-transfers-sink";
  public static final String DRAW_SEEDS_SOURCE = "draw-seeds-source";
  public static final String SEED_REGISTRATION = "seed-registration";
  public static final String LOTTERY_DRAWS_SINK = "lottery-draws-sink";
  public static final String LAST_DRAWS_SINK = "last-draws-sink";
  public static final String SALE_REGISTRATION = "sale-registration";
  public static final String PURCHASE_DECISION = "purchase-decision";
  public static final String HOLD_CANCELLATION = "hold-cancellation";
  public static final String PAYMENT_DECISION = "payment-decision";
  /** Where processors send outcomes and stock levels: meters that count them and pass them to the sinks. */
  public static final String OUTCOMES_METER = "purchase-outcomes-meter";
  public static final String STOCK_LEVELS_METER = "stock-levels-meter";
  public static final String OUTCOMES_SINK = "purchase-outcomes-sink";
  public static final String STOCK_LEVELS_SINK = "stock-levels-sink";
  /** Single requests of a batch that are themselves invalid; the rest of the batch is decided. */
  public static final String INVALID_REQUESTS_SINK = "invalid-requests-sink";

  /** How often ended lottery sales are looked for. */
  public static final Duration LOTTERY_DRAW_INTERVAL = Duration.ofSeconds(1);
  /**
   * How long after a lottery's end the draw waits, so that requests the API took just before the end
   * are in the log and processed. An entry processed after its draw loses.
   */
  public static final Duration LOTTERY_DRAW_GRACE = Duration.ofSeconds(5);
  /** The most entries one punctuation scores or decides, over all lotteries of a task: one transaction stays small. */
  public static final int LOTTERY_DRAW_CHUNK = 10_000;
  /** How often holds that ran out are looked for: a hold ends at most this long after its holdExpiresAt. */
  public static final Duration HOLD_EXPIRY_INTERVAL = Duration.ofSeconds(1);
  /** How often state that no retry can reach any more is purged (see {@link StatePurge}). */
  public static final Duration PURGE_INTERVAL = Duration.ofMinutes(1);

  private SaleTopology() {}

  /** The topology that sends every stock change to stock-levels as it happens (as tests read them). */
  public static Topology build(Topics topics) {
    return build(topics, Duration.ZERO);
  }

  /**
   * The topology; purchase decisions and hold expiries send a changed sale's stock level once per
   * {@code stockLevelInterval} instead of per change (see {@link StockLevels}), zero sends each at once.
   */
  public static Topology build(Topics topics, Duration stockLevelInterval) {
    return build(topics, stockLevelInterval, Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS),
        Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS));
  }

  /**
   * The topology, which also purges state no retry can reach any more: a request's dedup entry (and its sale's
   * per-user state) {@code dedupGrace} after its sale and longest hold ended, a payment event's
   * {@code paymentDedupRetention} after it was processed.
   */
  public static Topology build(Topics topics, Duration stockLevelInterval, Duration dedupGrace,
      Duration paymentDedupRetention) {
    return build(topics, stockLevelInterval, dedupGrace, paymentDedupRetention, TopologyMeters.none(),
        Stores::persistentKeyValueStore, TopologyConfig.DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION,
        new EagerCommit(Duration.ZERO, new FetchedRecords()));
  }

  /**
   * The same, counting decisions, stock and dead letters on {@code meters} (see {@link TopologyMeters}), on stores
   * of the given supplier (fault-injection tests hand in stores that fail), ending at most
   * {@code holdExpiriesPerPunctuation} holds per expiry punctuation of a task, and committing decisions of records
   * logged lately right after they are decided ({@link EagerCommit}).
   */
  static Topology build(Topics topics, Duration stockLevelInterval, Duration dedupGrace,
      Duration paymentDedupRetention, TopologyMeters meters, Function<String, KeyValueBytesStoreSupplier> stores,
      int holdExpiriesPerPunctuation, EagerCommit eagerCommit) {
    StoreFactory store = new StoreFactory(stores);
    Serde<String> ids = Serdes.String();
    Serde<PurchaseBatch> requests = topics.purchaseRequests.valueSerde();
    Topology topology = new Topology();

    topology.addSource(SALES_SOURCE, topics.sales.keySerde().deserializer(),
        topics.sales.valueSerde().deserializer(), topics.sales.name());
    topology.addSource(PURCHASE_REQUESTS_SOURCE, topics.purchaseRequests.keySerde().deserializer(),
        requests.deserializer(), topics.purchaseRequests.name());
    topology.addSource(HOLD_CANCELLATIONS_SOURCE, topics.holdCancellations.keySerde().deserializer(),
        topics.holdCancellations.valueSerde().deserializer(), topics.holdCancellations.name());
    topology.addSource(PAYMENT_EVENTS_SOURCE, topics.paymentEvents.keySerde().deserializer(),
        topics.paymentEvents.valueSerde().deserializer(), topics.paymentEvents.name());

    topology.addSource(QUEUE_JOINS_SOURCE, topics.queueJoins.keySerde().deserializer(),
        topics.queueJoins.valueSerde().deserializer(), topics.queueJoins.name());
    topology.addSource(SALE_ENDS_SOURCE, topics.saleEnds.keySerde().deserializer(),
        topics.saleEnds.valueSerde().deserializer(), topics.saleEnds.name());

    topology.addSource(DRAW_SEEDS_SOURCE, topics.drawSeeds.keySerde().deserializer(),
        topics.drawSeeds.valueSerde().deserializer(), topics.drawSeeds.name());

    topology.addSource(STOCK_TRANSFERS_SOURCE, topics.stockTransfers.keySerde().deserializer(),
        topics.stockTransfers.valueSerde().deserializer(), topics.stockTransfers.name());

    topology.addProcessor(SEED_REGISTRATION, SeedProcessor::new, DRAW_SEEDS_SOURCE);
    topology.addProcessor(STOCK_TRANSFER, StockTransferProcessor::new, STOCK_TRANSFERS_SOURCE);
    topology.addProcessor(SALE_REGISTRATION, () -> new SaleProcessor(dedupGrace), SALES_SOURCE);
    topology.addProcessor(PURCHASE_DECISION, () -> new PurchaseProcessor(stockLevelInterval, dedupGrace, meters,
        holdExpiriesPerPunctuation, eagerCommit),
        PURCHASE_REQUESTS_SOURCE);
    topology.addProcessor(HOLD_CANCELLATION, () -> new CancellationProcessor(eagerCommit),
        HOLD_CANCELLATIONS_SOURCE);
    topology.addProcessor(PAYMENT_DECISION, () -> new PaymentProcessor(paymentDedupRetention,
        eagerCommit), PAYMENT_EVENTS_SOURCE);
    topology.addProcessor(QUEUE_PLACEMENT, QueueProcessor::new, QUEUE_JOINS_SOURCE);
    topology.addProcessor(SALE_END, SaleEndProcessor::new, SALE_ENDS_SOURCE);

    String[] holdKeepers = {PURCHASE_DECISION, HOLD_CANCELLATION, PAYMENT_DECISION};
    topology.addStateStore(store.store(SALES_STORE, ids, topics.sales.valueSerde()),
        SALE_REGISTRATION, PURCHASE_DECISION, PAYMENT_DECISION, SALE_END, QUEUE_PLACEMENT, STOCK_TRANSFER);
    // Every decision rewrites its sale's stock: cached, a hot sale's changelog gets one record per commit.
    topology.addStateStore(store.store(STOCK_STORE, ids, topics.stockLevels.valueSerde()).withCachingEnabled(),
        SALE_REGISTRATION, PURCHASE_DECISION, HOLD_CANCELLATION, PAYMENT_DECISION, SALE_END, STOCK_TRANSFER);
    topology.addStateStore(store.store(STOCK_ASKS_STORE, ids, Serdes.Long()), PURCHASE_DECISION, STOCK_TRANSFER);
    topology.addStateStore(store.store(LOTTERY_DRAWS_DUE_STORE, ids, Serdes.Long()), SALE_REGISTRATION, PURCHASE_DECISION,
        SALE_END);
    topology.addStateStore(store.store(SALE_PURGES_STORE, ids, Serdes.String()), SALE_REGISTRATION, PURCHASE_DECISION);
    topology.addStateStore(store.store(DECIDED_REQUEST_PURGES_STORE, ids, Serdes.String()), PURCHASE_DECISION);
    topology.addStateStore(store.store(PROCESSED_PAYMENT_PURGES_STORE, ids, Serdes.String()), PAYMENT_DECISION);
    topology.addStateStore(store.store(PAYMENT_FATES_STORE, ids, topics.purchaseOutcomes.valueSerde()), PAYMENT_DECISION);
    topology.addStateStore(store.store(PAYMENT_FATE_PURGES_STORE, ids, Serdes.String()), PAYMENT_DECISION);
    topology.addStateStore(store.store(USER_QUANTITIES_STORE, ids, Serdes.Integer()), holdKeepers);
    topology.addStateStore(store.store(DEVICE_QUANTITIES_STORE, ids, Serdes.Integer()), holdKeepers);
    topology.addStateStore(store.store(DECIDED_REQUESTS_STORE, ids, topics.purchaseOutcomes.valueSerde()), holdKeepers);
    topology.addStateStore(store.store(HOLD_EXPIRIES_STORE, ids, Serdes.String()), holdKeepers);
    topology.addStateStore(store.store(LOTTERY_ENTRIES_STORE, ids, new LotteryEntrySerde(topics.purchaseRequest)), PURCHASE_DECISION);
    // The purge (run by the purchase decision) drops a sale's queue members with its other per-user state.
    topology.addStateStore(store.store(QUEUE_MEMBERS_STORE, ids, Serdes.Long()), QUEUE_PLACEMENT, PURCHASE_DECISION);
    topology.addStateStore(store.store(QUEUE_COUNTS_STORE, ids, topics.queueStats.valueSerde()), QUEUE_PLACEMENT,
        PURCHASE_DECISION);
    topology.addStateStore(store.store(LAST_DRAWS_STORE, ids, LastDrawState.serde()), SALE_REGISTRATION,
        PURCHASE_DECISION);
    topology.addStateStore(store.store(LAST_DRAW_WINNERS_STORE, ids, Serdes.Long()), PURCHASE_DECISION);
    topology.addStateStore(store.store(LOTTERY_TICKETS_STORE, ids, Serdes.String()), PURCHASE_DECISION);
    topology.addStateStore(store.store(LOTTERY_PROGRESS_STORE, ids, DrawProgress.serde()), PURCHASE_DECISION);
    topology.addStateStore(store.store(LOTTERY_DEVICE_WINS_STORE, ids, Serdes.Integer()), PURCHASE_DECISION);
    topology.addStateStore(store.store(DRAW_SEEDS_STORE, ids, Serdes.String()), SEED_REGISTRATION, PURCHASE_DECISION);
    topology.addStateStore(store.store(PROCESSED_PAYMENT_EVENTS_STORE, ids, Serdes.Long()), PAYMENT_DECISION);

    topology.addProcessor(OUTCOMES_METER,
        () -> new MeterProcessor<PurchaseOutcome>((outcome, task) -> meters.outcome(outcome)), holdKeepers);
    topology.addSink(OUTCOMES_SINK, topics.purchaseOutcomes.name(), topics.purchaseOutcomes.keySerde().serializer(),
        topics.purchaseOutcomes.valueSerde().serializer(), OUTCOMES_METER);
    topology.addSink(LOTTERY_DRAWS_SINK, topics.lotteryDraws.name(), topics.lotteryDraws.keySerde().serializer(),
        topics.lotteryDraws.valueSerde().serializer(), PURCHASE_DECISION);
    topology.addSink(LAST_DRAWS_SINK, topics.lastDraws.name(), topics.lastDraws.keySerde().serializer(),
        topics.lastDraws.valueSerde().serializer(), PURCHASE_DECISION);
    topology.addSink(INVALID_REQUESTS_SINK, topics.deadLetters.name(), Serdes.String().serializer(),
        topics.purchaseRequest.serializer(), PURCHASE_DECISION);
    topology.addProcessor(STOCK_LEVELS_METER, () -> new MeterProcessor<>(meters.stockLevels()), SALE_REGISTRATION,
        PURCHASE_DECISION, HOLD_CANCELLATION, PAYMENT_DECISION, SALE_END, STOCK_TRANSFER);
    topology.addSink(STOCK_TRANSFERS_SINK, topics.stockTransfers.name(), topics.stockTransfers.keySerde().serializer(),
        topics.stockTransfers.valueSerde().serializer(), PURCHASE_DECISION, STOCK_TRANSFER);
    topology.addSink(STOCK_LEVELS_SINK, topics.stockLevels.name(), topics.stockLevels.keySerde().serializer(),
        topics.stockLevels.valueSerde().serializer(), STOCK_LEVELS_METER);
    topology.addSink(QUEUE_PLACES_SINK, topics.queuePlaces.name(), topics.queuePlaces.keySerde().serializer(),
        topics.queuePlaces.valueSerde().serializer(), QUEUE_PLACEMENT);
    topology.addSink(QUEUE_STATS_SINK, topics.queueStats.name(), topics.queueStats.keySerde().serializer(),
        topics.queueStats.valueSerde().serializer(), QUEUE_PLACEMENT);
    return topology;
  }

  // Persistent and changelogged (the default): a restarted or moved task restores its exact state.
  private record StoreFactory(Function<String, KeyValueBytesStoreSupplier> suppliers) {
    <V> StoreBuilder<KeyValueStore<String, V>> store(String name, Serde<String> keys, Serde<V> values) {
      return Stores.keyValueStoreBuilder(suppliers.apply(name), keys, values);
    }
  }
}
