package io.flashsale.topology;

import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payment events from the provider's webhooks: confirms holds, confirms late payments while stock lasts,
 * and marks every other success as a refund due. The rules live in {@link PaymentDecision}.
 *
 * <p>One payment has one fate: the outcome it had (CONFIRMED or REFUND_DUE) is kept by payment id, so that a later
 * event of the same payment (another event id) changes nothing ({@link PaymentDecision}). An order's payment has one
 * fate per item ({@link PaymentDecision#fateKey}): its items are decided each in its own sale's task, and two items
 * of one order may share a task.
 *
 * <p>An event's dedup entry, and a payment's fate, are kept for the payment dedup retention after they were
 * processed, the provider's longest redelivery window, then purged on the wall clock through an index by purge time
 * (see {@link StatePurge}); each delete writes a tombstone to the store's changelog, which compaction then drops.
 */
final class PaymentProcessor implements Processor<String, PaymentEvent, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(PaymentProcessor.class);

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, Long> processedPaymentEvents;
  private KeyValueStore<String, String> processedPaymentPurges;
  private KeyValueStore<String, PurchaseOutcome> paymentFates;
  private KeyValueStore<String, String> paymentFatePurges;
  private Holds holds;
  private final Duration retention;

  private final EagerCommit eagerCommit;

  PaymentProcessor(Duration retention, EagerCommit eagerCommit) {
    this.retention = retention;
    this.eagerCommit = eagerCommit;
  }

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    processedPaymentEvents = context.getStateStore(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE);
    processedPaymentPurges = context.getStateStore(SaleTopology.PROCESSED_PAYMENT_PURGES_STORE);
    paymentFates = context.getStateStore(SaleTopology.PAYMENT_FATES_STORE);
    paymentFatePurges = context.getStateStore(SaleTopology.PAYMENT_FATE_PURGES_STORE);
    context.schedule(SaleTopology.PURGE_INTERVAL, PunctuationType.WALL_CLOCK_TIME, this::purgeDue);
    holds = new Holds(context, StockLevels.atOnce(context)); // rare changes: sent at once
  }

  @Override
  public void process(Record<String, PaymentEvent> record) {
    PaymentEvent event = Validation.requireValidPaymentEvent(record.key(), record.value());
    if (processedPaymentEvents.get(event.getEventId()) != null) {
      log.debug("Payment event {} was delivered again; it counted the first time", event.getEventId());
      return;
    }
    Instant now = Instant.ofEpochMilli(context.currentSystemTimeMs());
    processedPaymentEvents.put(event.getEventId(), now.toEpochMilli());
    processedPaymentPurges.put(StoreKeys.timed(now.plus(retention), event.getEventId()), event.getEventId());

    PurchaseOutcome purchase = holds.latest(event.getRequestId());
    Sale sale = sales.get(event.getSaleId());
    if (sale != null && !sale.getSku().equals(event.getSku())) {
      sale = null; // another SKU's sale lives in another task's stores; this one must not touch it
    }
    StockLevel level = sale == null ? null : holds.stockOf(sale.getSaleId());
    int userQuantity = purchase == null ? 0 : holds.userQuantity(purchase.getSaleId(), purchase.getUserId());
    int deviceQuantity = purchase == null ? 0 : holds.deviceQuantity(purchase.getSaleId(), purchase.getDeviceId());
    String fateKey = PaymentDecision.fateKey(event);
    PurchaseOutcome fate = event.getType() == PaymentEventType.SUCCEEDED ? paymentFates.get(fateKey) : null;
    PaymentDecision decision = PaymentDecision.decide(event, fate, purchase, sale, level, userQuantity, deviceQuantity);
    if (decision.verdict() != PaymentDecision.Verdict.CONFIRM) {
      log.info("Payment {} ({}) for {}: {}, {}", event.getPaymentId(), event.getType(), event.getRequestId(),
          decision.verdict(), decision.why());
    }
    PurchaseOutcome outcome = holds.recordPayment(decision, event, purchase, level, now);
    if (outcome != null) {
      // The payment's fate, kept as long as its events are: whatever event of it comes later changes nothing.
      paymentFates.put(fateKey, outcome);
      paymentFatePurges.put(StoreKeys.timed(now.plus(retention), fateKey), fateKey);
      eagerCommit.decided(context, record.timestamp());
    }
  }

  private void purgeDue(long wallClockMs) {
    List<KeyValue<String, String>> due =
        StatePurge.due(processedPaymentPurges, Instant.ofEpochMilli(wallClockMs), StatePurge.MAX_DELETES_PER_RUN);
    for (KeyValue<String, String> entry : due) {
      processedPaymentPurges.delete(entry.key);
      processedPaymentEvents.delete(entry.value);
    }
    List<KeyValue<String, String>> fates = StatePurge.due(paymentFatePurges, Instant.ofEpochMilli(wallClockMs),
        StatePurge.MAX_DELETES_PER_RUN - due.size());
    for (KeyValue<String, String> entry : fates) {
      paymentFatePurges.delete(entry.key);
      paymentFates.delete(entry.value);
    }
    if (!due.isEmpty() || !fates.isEmpty()) {
      log.info("Purged {} processed payment events and {} payments' fates past their retention", due.size(),
          fates.size());
    }
  }
}
