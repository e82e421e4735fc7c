package io.flashsale.topology;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.RejectReason;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Decides purchase requests in log order, one partition (one set of SKUs) per task. It only moves
 * data between the stores, {@link PurchaseDecision} and the sinks; every rule lives in the decision.
 * Lottery sales collect one ticket per user and are drawn in chunks by a wall-clock punctuator once they have ended
 * ({@link Lotteries}). An
 * accepted request starts a hold; this processor also schedules {@link HoldExpiry}, which ends the
 * holds that run out.
 */
final class PurchaseProcessor implements Processor<String, PurchaseBatch, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(PurchaseProcessor.class);
  /**
   * Headers of a dead-lettered request: those Kafka Streams puts on the records it dead-letters (KIP-1034), so
   * that one reader handles both, and the request's index in its batch.
   */
  static final String DEAD_LETTER_EXCEPTION_HEADER = "__streams.errors.exception";
  static final String DEAD_LETTER_MESSAGE_HEADER = "__streams.errors.message";
  static final String DEAD_LETTER_TOPIC_HEADER = "__streams.errors.topic";
  static final String DEAD_LETTER_PARTITION_HEADER = "__streams.errors.partition";
  static final String DEAD_LETTER_OFFSET_HEADER = "__streams.errors.offset";
  static final String DEAD_LETTER_INDEX_HEADER = "flashsale.errors.index";

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, StockLevel> stock;
  private KeyValueStore<String, PurchaseOutcome> decidedRequests;
  private KeyValueStore<String, Long> asks;
  private final Duration stockLevelInterval;
  private final Duration dedupGrace;
  private final int holdExpiriesPerPunctuation;
  private final EagerCommit eagerCommit;
  /**
   * Sales read from the store, by saleId. A sale's definition never changes once stored (the first one
   * wins), so each task reads and decodes it once instead of on every request.
   */
  private final Map<String, Sale> definedSales = new HashMap<>();
  private StockLevels stockLevels;
  private Holds holds;
  private Lotteries lotteries;
  private LastDraws lastDraws;
  private StatePurge purge;

  private final TopologyMeters meters;
  private final TopologyMeters.PerTask devices;

  PurchaseProcessor(Duration stockLevelInterval, Duration dedupGrace, TopologyMeters meters,
      int holdExpiriesPerPunctuation, EagerCommit eagerCommit) {
    this.holdExpiriesPerPunctuation = holdExpiriesPerPunctuation;
    this.eagerCommit = eagerCommit;
    this.stockLevelInterval = stockLevelInterval;
    this.dedupGrace = dedupGrace;
    this.meters = meters;
    this.devices = meters.perTask();
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    stock = context.getStateStore(SaleTopology.STOCK_STORE);
    decidedRequests = context.getStateStore(SaleTopology.DECIDED_REQUESTS_STORE);
    asks = context.getStateStore(SaleTopology.STOCK_ASKS_STORE);
    // Decisions are by far the most frequent stock changes, so this processor also resends all after a restart.
    stockLevels = StockLevels.perInterval(stockLevelInterval, context);
    holds = new Holds(context, stockLevels);
    lotteries = new Lotteries(context, stockLevels);
    lastDraws = new LastDraws(context, stockLevels);
    purge = new StatePurge(context, dedupGrace);
    context.schedule(SaleTopology.LOTTERY_DRAW_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::drawDueLotteries);
    context.schedule(SaleTopology.HOLD_EXPIRY_INTERVAL, PunctuationType.WALL_CLOCK_TIME, new HoldExpiry(holds, holdExpiriesPerPunctuation));
    context.schedule(SaleTopology.PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purgeDue);
  }

  @Override
  public void close() {
    devices.close(); // the task's sales are no longer this process's to report
  }

  /**
   * Decides a batch's requests one by one, in order. Each sale's stock is read once and written once per
   * batch; a request that is itself invalid goes to the dead-letter topic alone, and the rest of its batch
   * is decided as usual. Anything else that fails fails the whole record, so that exactly-once aborts it.
   *
   * <p>The sale window is judged by the record's timestamp: purchase-requests is a LogAppendTime topic, so
   * that is the broker's clock when the batch was appended, one clock for every API instance. Each request's
   * requestedAt (its instance's clock) is kept for information only.
   */
  @Override
  public void process(Record<String, PurchaseBatch> record) {
    PurchaseBatch batch = Validation.requireValidBatch(record.key(), record.value());
    RecordMetadata position = context.recordMetadata().orElseThrow();
    Instant now = now();
    Instant loggedAt = Instant.ofEpochMilli(record.timestamp());
    Map<String, StockLevel.Builder> levels = new HashMap<>(); // the sales this batch read, by saleId
    List<PurchaseRequest> requests = batch.getRequests();
    for (int index = 0; index < requests.size(); index++) {
      PurchaseRequest request = requests.get(index);
      try {
        Validation.requireValidPurchase(record.key(), request);
      } catch (InvalidRecordException invalid) {
        deadLetter(record.key(), request, position, index, invalid);
        continue;
      }
      decide(request, new Place(position.partition(), position.offset(), index), loggedAt, now, levels);
    }
    levels.values().forEach(tally -> {
      StockLevel level = tally.build();
      stock.put(level.getSaleId(), level);
      stockLevels.changed(level);
      askForStockIfLow(level, now, loggedAt);
      Sale sale = definedSales.get(level.getSaleId());
      if (sale != null && sale.getLastDraw() && level.getAvailable() == 0) {
        lastDraws.soldOut(sale);
      }
    });
    eagerCommit.decided(context, record.timestamp());
  }

  /**
   * A shard running low asks the next shard for some of its stock ({@link ShardStock}), once until answered. The
   * ask carries the log time of the requests that drained the shard: a lagging task takes it in line with the
   * requests of that time (Kafka Streams picks a task's records by timestamp), not behind its whole backlog.
   */
  private void askForStockIfLow(StockLevel level, Instant now, Instant loggedAt) {
    Sale sale = definedSales.get(level.getSaleId());
    // The store is read only for a shard running low: an unsharded sale's batch costs no read here.
    if (sale != null && ShardStock.runsLow(sale, level) && asks.get(sale.getSaleId()) == null) {
      asks.put(sale.getSaleId(), now.toEpochMilli());
      ShardStock.Send ask = ShardStock.ask(sale);
      context.forward(new Record<>(ask.sku(), ask.transfer(), loggedAt.toEpochMilli()), SaleTopology.STOCK_TRANSFERS_SINK);
    }
  }

  /** Where a request stands in the log: its record, and its index within the record's batch. */
  record Place(int partition, long offset, int index) {}

  private void decide(PurchaseRequest request, Place place, Instant loggedAt, Instant now,
      Map<String, StockLevel.Builder> levels) {
    String saleId = request.getSaleId();
    Sale sale = saleOnSku(saleId, request.getSku());
    // Only a lottery sale has tickets, so only there can a retry be waiting for its draw.
    LotteryEntry ticket = sale != null && sale.getAllocation() == Allocation.LOTTERY
        ? lotteries.ticketOf(saleId, request.getUserId()) : null;
    if (canRepeat(request)) {
      PurchaseOutcome decided = decidedRequests.get(request.getRequestId());
      if (decided != null) {
        // A retry the API no longer remembered: its buyer waits for an answer, so the latest outcome goes out
        // again, marked as a repeat, with its own number; nothing changes.
        log.debug("Request {} is a retry; its first outcome stands and is sent again", request.getRequestId());
        context.forward(new Record<>(request.getRequestId(), OutcomeSequence.repeatOf(decided), now.toEpochMilli()),
            SaleTopology.OUTCOMES_METER);
        return;
      }
      if (ticket != null && ticket.request().getRequestId().equals(request.getRequestId())) {
        log.debug("Request {} is a retry of a lottery ticket; it waits for the draw", request.getRequestId());
        return;
      }
    }
    StockLevel.Builder level = sale == null ? null : levels.computeIfAbsent(saleId, this::tally);
    PurchaseDecision decision = level == null ? null : claimOfLastDraw(sale, request, loggedAt, level);
    if (decision == null) {
      // Once a last draw has begun, what comes back is the draw's: a click takes none of it.
      Integer available = level == null ? null : lastDraws.drawing(sale) ? Integer.valueOf(0) : level.getAvailable();
      decision = PurchaseDecision.decideFromAvailable(sale, available,
          level == null ? null : level.getEndedAt(), holds.userQuantity(saleId, request.getUserId()),
          holds.deviceQuantity(saleId, request.getDeviceId()), request, loggedAt);
    }
    if (decision.verdict() == PurchaseDecision.Verdict.ENTER_LOTTERY) {
      if (!lotteries.takesEntries(saleId)) {
        // Processed only once the draw had begun (the task lagged behind the sale's end): the draw is over for it.
        decision = PurchaseDecision.rejected(RejectReason.LOTTERY_LOST);
      } else if (ticket != null) {
        // One ticket per user: every further request of a user who has one is over the lottery's limit.
        decision = PurchaseDecision.rejected(RejectReason.LIMIT_EXCEEDED);
      } else {
        lotteries.enter(new LotteryEntry(request, place.partition(), place.offset(), place.index()));
        return;
      }
    }
    long sequence = OutcomeSequence.NONE;
    if (level != null) {
      decision.addTo(level, request.getQuantity(), now);
      sequence = OutcomeSequence.next(level);
    }
    settle(decision, request, sale, now, place, sequence);
  }

  /**
   * The decision on a request that claims the unit a last draw reserved for its user ({@link LastDrawRules#claim}), or
   * null if it claims none. An accepted claim turns the reservation into the hold: the unit leaves the reserved count
   * here and comes back into it as the decision is counted, so no other buyer ever sees it available.
   */
  private PurchaseDecision claimOfLastDraw(Sale sale, PurchaseRequest request, Instant loggedAt,
      StockLevel.Builder level) {
    if (!sale.getLastDraw()) {
      return null;
    }
    PurchaseDecision claim = LastDrawRules.claim(sale, lastDraws.reservedUntil(sale, request.getUserId()),
        holds.deviceQuantity(sale.getSaleId(), request.getDeviceId()), request, loggedAt);
    if (claim != null && claim.accepted()) {
      level.setAvailable(level.getAvailable() + request.getQuantity())
          .setReserved(level.getReserved() - request.getQuantity())
          .setDrawReserved(level.getDrawReserved() - request.getQuantity());
      lastDraws.claimed(sale, request.getUserId());
    }
    return claim;
  }

  /** A sale's stock as a tally that the decisions of one batch count into; null for a sale without stock. */
  private StockLevel.Builder tally(String saleId) {
    StockLevel level = stock.get(saleId);
    if (level == null) {
      return null;
    }
    // The decoded level is this batch's own object: its builder may take the rejected map over and change it.
    return StockLevel.newBuilder(level).setRejected(new HashMap<>(level.getRejected()));
  }

  /**
   * A request id comes again only for a retry with the same Idempotency-Key: without one the API makes a
   * random id once. So only such requests need the dedup read, and a rejection needs storing only for them.
   */
  private static boolean canRepeat(PurchaseRequest request) {
    return request.getIdempotencyKey() != null;
  }

  /**
   * The outcome of a decision, stored where it must be (an accepted request's hold, a rejection that a retry
   * could repeat) and emitted. The caller counts the decision into the sale's stock and numbers it there
   * ({@link OutcomeSequence}; {@link OutcomeSequence#NONE} for a sale without stock).
   */
  private void settle(PurchaseDecision decision, PurchaseRequest request, Sale sale, Instant now, Place place,
      long saleSequence) {
    PurchaseOutcome outcome = decision.toOutcome(request, sale, now, place.partition(), place.offset(), place.index());
    outcome.setSaleSequence(saleSequence);
    if (decision.accepted()) {
      decidedRequests.put(request.getRequestId(), outcome);
      purge.indexRequest(outcome, sale);
      holds.start(outcome);
      if (sale.getLastDraw()) {
        lastDraws.held(sale, request.getUserId());
      }
      meters.accepted(request, devices);
    } else if (canRepeat(request)) {
      decidedRequests.put(request.getRequestId(), outcome);
      purge.indexRequest(outcome, sale);
    }
    context.forward(new Record<>(request.getRequestId(), outcome, now.toEpochMilli()), SaleTopology.OUTCOMES_METER);
  }

  private void deadLetter(String sku, PurchaseRequest request, RecordMetadata position, int index,
      InvalidRecordException invalid) {
    log.warn("Request {} of {}-{}@{} (entry {}) is invalid, sent to {}: {}", request.getRequestId(), position.topic(),
        position.partition(), position.offset(), index, Topics.DEAD_LETTERS, invalid.getMessage());
    Headers headers = new RecordHeaders()
        .add(DEAD_LETTER_EXCEPTION_HEADER, utf8(invalid.getClass().getName()))
        .add(DEAD_LETTER_MESSAGE_HEADER, utf8(invalid.getMessage()))
        .add(DEAD_LETTER_TOPIC_HEADER, utf8(position.topic()))
        .add(DEAD_LETTER_PARTITION_HEADER, utf8(Integer.toString(position.partition())))
        .add(DEAD_LETTER_OFFSET_HEADER, utf8(Long.toString(position.offset())))
        .add(DEAD_LETTER_INDEX_HEADER, utf8(Integer.toString(index)));
    context.forward(new Record<String, SpecificRecord>(sku, request, context.currentSystemTimeMs(), headers),
        SaleTopology.INVALID_REQUESTS_SINK);
    meters.deadLettered();
  }

  private static byte[] utf8(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  private void drawDueLotteries(long wallClockMs) {
    lotteries.drawDue(wallClockMs, now(), this::settle).forEach(draw ->
        context.forward(new Record<>(draw.getSaleId(), draw, wallClockMs), SaleTopology.LOTTERY_DRAWS_SINK));
    LastDraws.Published last = lastDraws.drawDue(now());
    last.rounds().forEach(round ->
        context.forward(new Record<>(round.getSaleId(), round, wallClockMs), SaleTopology.LAST_DRAWS_SINK));
    last.closed().forEach(draw ->
        context.forward(new Record<>(draw.getSaleId(), draw, wallClockMs), SaleTopology.LOTTERY_DRAWS_SINK));
  }

  private void purgeDue(long wallClockMs) {
    int purged = purge.purgeDue(Instant.ofEpochMilli(wallClockMs));
    if (purged > 0) {
      log.info("Purged {} entries that no retry can reach any more", purged);
    }
  }

  /** The sale, if it is known and sells this SKU; a request naming another SKU's sale must not touch it. */
  private Sale saleOnSku(String saleId, String sku) {
    Sale sale = definedSales.computeIfAbsent(saleId, sales::get);
    return sale != null && sale.getSku().equals(sku) ? sale : null;
  }

  private Instant now() {
    return Instant.ofEpochMilli(context.currentSystemTimeMs());
  }
}
