package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.DrawSeed;
import io.flashsale.schemas.HoldCancellation;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.LastDrawRound;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.QueuePlace;
import io.flashsale.schemas.QueueStats;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.SaleEnd;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.StockTransfer;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.WaitingRoom;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;
import java.util.stream.Stream;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.test.TestRecord;

/** The topology in a TopologyTestDriver with its own registry and state dir, plus builders of test records. */
public final class SaleTopologyDriver implements AutoCloseable {
  /** The driver's wall clock starts here; sales in tests are placed around it. */
  static final Instant NOW = Instant.parse("2026-11-27T00:00:00Z");
  static final int HOLD_SECONDS = 300;
  static final Duration DEDUP_GRACE = Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS);
  static final Duration PAYMENT_DEDUP_RETENTION = Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS);

  final Topics topics;
  final TopologyTestDriver driver;
  final TestInputTopic<String, Sale> sales;
  final TestInputTopic<String, PurchaseBatch> requests;
  final TestInputTopic<String, byte[]> rawRequests;
  final TestInputTopic<String, PaymentEvent> paymentEvents;
  final TestInputTopic<String, HoldCancellation> cancellations;
  final TestInputTopic<String, SaleEnd> saleEnds;
  final TestOutputTopic<String, PurchaseOutcome> outcomes;
  final TestOutputTopic<String, StockLevel> stockLevels;
  final TestOutputTopic<byte[], byte[]> deadLetters;
  final TestInputTopic<String, QueueJoin> queueJoins;
  final TestOutputTopic<String, QueuePlace> queuePlaces;
  public final TestOutputTopic<String, QueueStats> queueStats;
  final TestInputTopic<String, DrawSeed> drawSeeds;
  final TestOutputTopic<String, DrawResult> lotteryDraws;
  final TestOutputTopic<String, LastDrawRound> lastDraws;
  final TestInputTopic<String, StockTransfer> transfers;
  final TestOutputTopic<String, StockTransfer> transfersSent;
  final String applicationId;
  private final Path stateDir;
  private Instant wallClock = NOW;

  /** Stock levels sent at once, one per change. */
  public SaleTopologyDriver() {
    this(Duration.ZERO);
  }

  /** Stock levels of purchase decisions sent once per {@code stockLevelInterval} of wall clock. */
  SaleTopologyDriver(Duration stockLevelInterval) {
    this(stockLevelInterval, Stores::persistentKeyValueStore);
  }

  /** Stock levels sent at once, on stores of this supplier (see {@link FailingStores}). */
  SaleTopologyDriver(Function<String, KeyValueBytesStoreSupplier> stores) {
    this(Duration.ZERO, stores);
  }

  private SaleTopologyDriver(Duration stockLevelInterval, Function<String, KeyValueBytesStoreSupplier> stores) {
    this(stockLevelInterval, stores, TopologyConfig.DEFAULT_HOLD_EXPIRIES_PER_PUNCTUATION);
  }

  /** Stock levels sent at once; one expiry punctuation ends at most {@code holdExpiriesPerPunctuation} holds. */
  static SaleTopologyDriver endingAtMost(int holdExpiriesPerPunctuation) {
    return new SaleTopologyDriver(Duration.ZERO, Stores::persistentKeyValueStore, holdExpiriesPerPunctuation);
  }

  private SaleTopologyDriver(Duration stockLevelInterval, Function<String, KeyValueBytesStoreSupplier> stores,
      int holdExpiriesPerPunctuation) {
    String unique = UUID.randomUUID().toString();
    try {
      Path build = Files.createDirectories(Path.of("target", "state"));
      stateDir = Files.createTempDirectory(build, "topology-test-");
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    topics = Topics.using(SchemaRegistry.forUrl("mock://topology-" + unique));
    TopologyConfig config = new TopologyConfig(KafkaSettings.of("unused:9092", "mock://topology-" + unique, "topology-test-" + unique),
        stateDir, 100, 1, 1, (short) 1, stockLevelInterval, DEDUP_GRACE, PAYMENT_DEDUP_RETENTION)
        .withHoldExpiriesPerPunctuation(holdExpiriesPerPunctuation);
    applicationId = config.kafka().applicationId();
    driver = new TopologyTestDriver(SaleTopology.build(topics, config.stockLevelInterval(), config.dedupGrace(),
        config.paymentDedupRetention(), TopologyMeters.none(), stores, config.holdExpiriesPerPunctuation(),
        new EagerCommit(config.eagerCommitLag(), new FetchedRecords())),
        config.streamsProperties(), NOW);
    sales = driver.createInputTopic(Topics.SALES, Serdes.String().serializer(), topics.sales.valueSerde().serializer());
    requests = driver.createInputTopic(Topics.PURCHASE_REQUESTS, Serdes.String().serializer(),
        topics.purchaseRequests.valueSerde().serializer());
    rawRequests = driver.createInputTopic(Topics.PURCHASE_REQUESTS, Serdes.String().serializer(),
        Serdes.ByteArray().serializer());
    paymentEvents = driver.createInputTopic(Topics.PAYMENT_EVENTS, Serdes.String().serializer(),
        topics.paymentEvents.valueSerde().serializer());
    cancellations = driver.createInputTopic(Topics.HOLD_CANCELLATIONS, Serdes.String().serializer(),
        topics.holdCancellations.valueSerde().serializer());
    saleEnds = driver.createInputTopic(Topics.SALE_ENDS, Serdes.String().serializer(),
        topics.saleEnds.valueSerde().serializer());
    outcomes = driver.createOutputTopic(Topics.PURCHASE_OUTCOMES, Serdes.String().deserializer(),
        topics.purchaseOutcomes.valueSerde().deserializer());
    stockLevels = driver.createOutputTopic(Topics.STOCK_LEVELS, Serdes.String().deserializer(),
        topics.stockLevels.valueSerde().deserializer());
    deadLetters = driver.createOutputTopic(Topics.DEAD_LETTERS, Serdes.ByteArray().deserializer(),
        Serdes.ByteArray().deserializer());
    queueJoins = driver.createInputTopic(Topics.QUEUE_JOINS, Serdes.String().serializer(),
        topics.queueJoins.valueSerde().serializer());
    queuePlaces = driver.createOutputTopic(Topics.QUEUE_PLACES, Serdes.String().deserializer(),
        topics.queuePlaces.valueSerde().deserializer());
    queueStats = driver.createOutputTopic(Topics.QUEUE_STATS, Serdes.String().deserializer(),
        topics.queueStats.valueSerde().deserializer());
    drawSeeds = driver.createInputTopic(Topics.DRAW_SEEDS, Serdes.String().serializer(),
        topics.drawSeeds.valueSerde().serializer());
    lotteryDraws = driver.createOutputTopic(Topics.LOTTERY_DRAWS, Serdes.String().deserializer(),
        topics.lotteryDraws.valueSerde().deserializer());
    lastDraws = driver.createOutputTopic(Topics.LAST_DRAWS, Serdes.String().deserializer(),
        topics.lastDraws.valueSerde().deserializer());
    transfers = driver.createInputTopic(Topics.STOCK_TRANSFERS, Serdes.String().serializer(),
        topics.stockTransfers.valueSerde().serializer());
    transfersSent = driver.createOutputTopic(Topics.STOCK_TRANSFERS, Serdes.String().deserializer(),
        topics.stockTransfers.valueSerde().deserializer());
  }

  /** A buyer joins the sale's waiting room; the broker appended the join at {@code at}. Returns the place given. */
  public QueuePlace join(Sale sale, String userId, Instant at) {
    queueJoins.pipeInput(sale.getSku(), new QueueJoin(sale.getSaleId(), userId, "device-" + userId, null, null), at);
    return single(queuePlaces.readValuesToList());
  }

  /** A buyer who lost {@code lostPlace} for being idle joins again (the API checked the loss). */
  public QueuePlace rejoin(Sale sale, String userId, long lostPlace, Instant at) {
    queueJoins.pipeInput(sale.getSku(), new QueueJoin(sale.getSaleId(), userId, "device-" + userId, lostPlace, null), at);
    return single(queuePlaces.readValuesToList());
  }

  /** A buyer joins the sale's waiting room in the flow {@code flowId} (header Flashsale-Flow). */
  public QueuePlace joinInFlow(Sale sale, String userId, String flowId, Instant at) {
    queueJoins.pipeInput(sale.getSku(), new QueueJoin(sale.getSaleId(), userId, "device-" + userId, null, flowId), at);
    return single(queuePlaces.readValuesToList());
  }

  public void define(Sale sale) {
    sales.pipeInput(sale.getSku(), sale, sale.getCreatedAt());
  }

  /** Defines a sharded sale as the API does: each shard's definition, then the sale as buyers see it. */
  List<Sale> defineSharded(Sale sale) {
    List<Sale> shards = Shards.of(sale);
    shards.forEach(this::define);
    define(sale);
    return shards;
  }

  /**
   * Defines a lottery sale as the API does: its secret seed to draw-seeds first, then the sale with the seed's hash.
   * Returns the sale as defined.
   */
  Sale defineLottery(Sale sale, String seed) {
    drawSeeds.pipeInput(sale.getSku(), new DrawSeed(sale.getSaleId(), seed), sale.getCreatedAt());
    Sale withHash = Sale.newBuilder(sale).setDrawSeedHash(LotteryRules.seedHash(seed)).build();
    define(withHash);
    return withHash;
  }

  /**
   * Defines a waiting-room sale with a last draw as the API does (its seed first), its pass valid
   * {@code passSeconds}: the time a winner has to claim. Returns the sale as defined.
   */
  Sale defineLastDraw(Sale sale, String seed, int passSeconds) {
    return defineLottery(Sale.newBuilder(sale).setLastDraw(true)
        .setWaitingRoom(new WaitingRoom(100, passSeconds, 900, 0, 3600)).build(), seed);
  }

  /** The rounds of last draws published since the last read. */
  List<LastDrawRound> readLastDrawRounds() {
    return lastDraws.readValuesToList();
  }

  /** A seed as the API makes one: 64 hex digits, here derived from {@code name} so that tests can repeat it. */
  static String seed(String name) {
    return LotteryRules.sha256Hex("seed of " + name);
  }

  List<DrawResult> readDraws() {
    return lotteryDraws.readValuesToList();
  }

  /** One request in a record of its own. */
  void purchase(PurchaseRequest request) {
    purchaseTogether(request);
  }

  /** Requests of one SKU in one record, as the API writes them in a surge. */
  void purchaseTogether(PurchaseRequest... batch) {
    requests.pipeInput(batch[0].getSku(), batchOf(batch), batch[0].getRequestedAt());
  }

  /**
   * Requests of one SKU in one record that the broker appended at {@code loggedAt}: the record's timestamp, by
   * which the sale window is judged, whatever the requests' requestedAt say.
   */
  public void purchaseLoggedAt(Instant loggedAt, PurchaseRequest... batch) {
    requests.pipeInput(batch[0].getSku(), batchOf(batch), loggedAt);
  }

  static PurchaseBatch batchOf(PurchaseRequest... requests) {
    return new PurchaseBatch(requests[0].getSku(), List.of(requests));
  }

  /** A stock transfer as a shard's task writes one, keyed by the receiving shard's SKU. */
  void transfer(String sku, StockTransfer transfer) {
    transfers.pipeInput(sku, transfer, wallClock);
  }

  void pay(PaymentEvent event) {
    paymentEvents.pipeInput(event.getSku(), event, event.getReceivedAt());
  }

  /** One held purchase of an order: {@code quantity} units of {@code sale} at its price. */
  record OrderLine(String requestId, Sale sale, int quantity) {}

  /**
   * The provider's success of an order's payment, as the API writes it: one event per item, keyed by the item's SKU,
   * with the item's own amount and an event id of the provider's event and the item. Returns the events piped.
   */
  List<PaymentEvent> payOrder(String orderId, String paymentId, String providerEventId, OrderLine... lines) {
    List<PaymentEvent> events = Stream.of(lines).map(line -> PaymentEvent.newBuilder(
            payment(providerEventId + ":" + line.requestId(), paymentId, line.requestId(), line.sale(), line.quantity(),
                PaymentEventType.SUCCEEDED))
        .setOrderId(orderId).build()).toList();
    events.forEach(this::pay);
    return events;
  }

  void cancel(HoldCancellation cancellation) {
    cancellations.pipeInput(cancellation.getSku(), cancellation, cancellation.getRequestedAt());
  }

  /** An admin's end of the sale, appended by the broker at {@code loggedAt}. */
  void end(Sale sale, Instant loggedAt) {
    saleEnds.pipeInput(sale.getSku(), new SaleEnd(sale.getSaleId(), sale.getSku(), loggedAt), loggedAt);
  }

  public List<PurchaseOutcome> readOutcomes() {
    return outcomes.readRecordsToList().stream().map(TestRecord::value).toList();
  }

  public List<StockLevel> readStockLevels() {
    return stockLevels.readValuesToList();
  }

  /** Moves the wall clock, which stamps decisions, and runs the punctuators (hold expiry, draws) due by then. */
  public void advanceWallClock(Duration duration) {
    wallClock = wallClock.plus(duration);
    driver.advanceWallClockTime(duration);
  }

  /** Moves the wall clock to {@code instant}, which must not be in its past. */
  void advanceWallClockTo(Instant instant) {
    advanceWallClock(Duration.between(wallClock, instant));
  }

  /** The value stored under {@code key} in one of the topology's key-value stores, or null. */
  <V> V store(String storeName, String key) {
    return driver.<String, V>getKeyValueStore(storeName).get(key);
  }

  /** Every entry of one of the topology's key-value stores, by key. */
  <V> Map<String, V> storeContents(String storeName) {
    Map<String, V> contents = new java.util.TreeMap<>();
    try (var all = driver.<String, V>getKeyValueStore(storeName).all()) {
      all.forEachRemaining(entry -> contents.put(entry.key, entry.value));
    }
    return contents;
  }

  /** The changelog topic of one of the topology's stores, raw values (null for a tombstone). */
  TestOutputTopic<String, byte[]> changelog(String storeName) {
    return driver.createOutputTopic(applicationId + "-" + storeName + "-changelog", Serdes.String().deserializer(),
        Serdes.ByteArray().deserializer());
  }

  public Instant wallClock() {
    return wallClock;
  }

  public static Sale fcfsSale(String saleId, String sku, int stock, int perUserLimit) {
    return sale(saleId, sku, stock, perUserLimit, Allocation.FCFS);
  }

  /** A sale that opened a minute before {@link #NOW} and ends an hour after it. */
  static Sale sale(String saleId, String sku, int stock, int perUserLimit, Allocation allocation) {
    return Sales.live(saleId, sku, stock, perUserLimit, NOW).setHoldSeconds(HOLD_SECONDS).setAllocation(allocation)
        .build();
  }

  /** A click without an Idempotency-Key: its id is random, made once, so it never comes again. */
  static PurchaseRequest unkeyed(String requestId, Sale sale, String userId) {
    return PurchaseRequest.newBuilder(request(requestId, sale, userId, 1)).setIdempotencyKey(null).build();
  }

  static PurchaseRequest request(String requestId, Sale sale, String userId, int quantity) {
    return request(requestId, sale.getSaleId(), sale.getSku(), userId, quantity, NOW);
  }

  /**
   * A click with an Idempotency-Key, so that it can be retried under the same id, as every test of dedup needs;
   * see {@link #unkeyed} for a click without one.
   */
  public static PurchaseRequest request(String requestId, String saleId, String sku, String userId, int quantity,
      Instant requestedAt) {
    return PurchaseRequest.newBuilder()
        .setIdempotencyKey("key-" + requestId)
        .setRequestId(requestId)
        .setSaleId(saleId)
        .setSku(sku)
        .setUserId(userId)
        .setQuantity(quantity)
        .setRequestedAt(requestedAt)
        .build();
  }

  /** The click made in the buyer's flow {@code flowId}, as the API writes it from the Flashsale-Flow header. */
  static PurchaseRequest inFlow(String flowId, PurchaseRequest request) {
    return PurchaseRequest.newBuilder(request).setFlowId(flowId).build();
  }

  /** The payment event of a payment whose metadata names the flow {@code flowId}. */
  static PaymentEvent inFlow(String flowId, PaymentEvent event) {
    return PaymentEvent.newBuilder(event).setFlowId(flowId).build();
  }

  /** A payment event for the whole price of {@code quantity} units of {@code sale}, paid now. */
  static PaymentEvent payment(String eventId, String paymentId, String requestId, Sale sale, int quantity,
      PaymentEventType type) {
    return paymentEvent(eventId, paymentId, requestId, sale, sale.getPriceCents() * quantity, type);
  }

  static PaymentEvent paymentEvent(String eventId, String paymentId, String requestId, Sale sale, long amountCents,
      PaymentEventType type) {
    return PaymentEvent.newBuilder()
        .setEventId(eventId)
        .setPaymentId(paymentId)
        .setRequestId(requestId)
        .setSaleId(sale.getSaleId())
        .setSku(sale.getSku())
        .setType(type)
        .setAmountCents(amountCents)
        .setCurrency(sale.getCurrency())
        .setOccurredAt(NOW)
        .setReceivedAt(NOW)
        .build();
  }

  static HoldCancellation cancellation(String requestId, Sale sale, String userId) {
    return HoldCancellation.newBuilder()
        .setRequestId(requestId)
        .setSaleId(sale.getSaleId())
        .setSku(sale.getSku())
        .setUserId(userId)
        .setRequestedAt(NOW)
        .build();
  }

  @Override
  public void close() {
    driver.close();
    try (Stream<Path> files = Files.walk(stateDir)) {
      files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The one record a step was expected to emit. */
  static <T> T single(List<T> values) {
    assertThat(values).hasSize(1);
    return values.get(0);
  }

  /** The latest record a step emitted. */
  static <T> T last(List<T> values) {
    assertThat(values).isNotEmpty();
    return values.get(values.size() - 1);
  }
}
