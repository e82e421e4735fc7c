package io.flashsale.topology;

import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import java.time.Instant;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Payment events from the provider's webhooks: confirms holds, confirms late payments while stock lasts,
 * and marks every other success as a refund due. The rules live in {@link PaymentDecision}.
 */
final class PaymentProcessor implements Processor<String, PaymentEvent, String, SpecificRecord> {
  private static final Logger log = LoggerFactory.getLogger(PaymentProcessor.class);

  private ProcessorContext<String, SpecificRecord> context;
  private KeyValueStore<String, Sale> sales;
  private KeyValueStore<String, Long> processedPaymentEvents;
  private Holds holds;

  @Override
  public void init(ProcessorContext<String, SpecificRecord> context) {
    this.context = context;
    sales = context.getStateStore(SaleTopology.SALES_STORE);
    processedPaymentEvents = context.getStateStore(SaleTopology.PROCESSED_PAYMENT_EVENTS_STORE);
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

    PurchaseOutcome purchase = holds.latest(event.getRequestId());
    Sale sale = sales.get(event.getSaleId());
    if (sale != null && !sale.getSku().equals(event.getSku())) {
      sale = null; // another SKU's sale lives in another task's stores; this one must not touch it
    }
    StockLevel level = sale == null ? null : holds.stockOf(sale.getSaleId());
    int userQuantity = purchase == null ? 0 : holds.userQuantity(purchase.getSaleId(), purchase.getUserId());
    PaymentDecision decision = PaymentDecision.decide(event, purchase, sale, level, userQuantity);
    if (decision.verdict() != PaymentDecision.Verdict.CONFIRM) {
      log.info("Payment {} ({}) for {}: {}, {}", event.getPaymentId(), event.getType(), event.getRequestId(),
          decision.verdict(), decision.why());
    }
    holds.recordPayment(decision, event, purchase, level, now);
  }
}
