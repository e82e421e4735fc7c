package io.flashsale.reconciliation.sink;

import io.flashsale.schemas.Correction;
import io.flashsale.schemas.CorrectionKind;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.Topics;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * What a record of the sink's topics means for the books. Decoding throws the serde's
 * {@link SerializationException} for bytes that are not a value of the topic.
 */
final class RecordDecoder {

  /** One record's meaning. */
  sealed interface Entry {}

  record SaleDefined(Sale sale) implements Entry {}

  record PaymentReceived(PaymentEvent event) implements Entry {}

  /**
   * An outcome as its sale's books keep it ({@link Shards#ofSale}), with the position in purchase-outcomes it is
   * recorded at (its own, or a replayed record's), and its place in the outcomes of the sale or shard that decided
   * it: {@code sequenceKey} is that sale's or shard's id, {@code saleSequence} -1 where none was counted.
   */
  record OutcomeDecided(PurchaseOutcome outcome, int partition, long offset, String sequenceKey, long saleSequence,
                        boolean repeat) implements Entry {
    /** Whether it is applied in its sale's order (see {@link SequenceGate}). */
    boolean sequenced() {
      return saleSequence >= 1;
    }

    static OutcomeDecided of(PurchaseOutcome decided, int partition, long offset) {
      return new OutcomeDecided(Shards.ofSale(decided), partition, offset, decided.getSaleId(),
          decided.getSaleSequence(), decided.getRepeat());
    }
  }

  /** A tombstone, or a correction that is not for the books. */
  record Nothing() implements Entry {}

  private static final Nothing NOTHING = new Nothing();

  private final Deserializer<Sale> sales;
  private final Deserializer<PurchaseOutcome> outcomes;
  private final Deserializer<PaymentEvent> payments;
  private final Deserializer<Correction> corrections;

  RecordDecoder(Topics topics) {
    this.sales = topics.sales.valueSerde().deserializer();
    this.outcomes = topics.purchaseOutcomes.valueSerde().deserializer();
    this.payments = topics.paymentEvents.valueSerde().deserializer();
    this.corrections = topics.corrections.valueSerde().deserializer();
  }

  Entry decode(ConsumerRecord<byte[], byte[]> record) {
    switch (record.topic()) {
      case Topics.SALES -> {
        Sale sale = sales.deserialize(record.topic(), record.headers(), record.value());
        // The books keep a sharded sale whole: its shards' records count as the sale's (Shards.ofSale).
        return sale == null || sale.getShard() != null ? NOTHING : new SaleDefined(sale);
      }
      case Topics.PAYMENT_EVENTS -> {
        PaymentEvent event = payments.deserialize(record.topic(), record.headers(), record.value());
        return event == null ? NOTHING : new PaymentReceived(Shards.ofSale(event));
      }
      case Topics.PURCHASE_OUTCOMES -> {
        PurchaseOutcome outcome = outcomes.deserialize(record.topic(), record.headers(), record.value());
        return outcome == null ? NOTHING : OutcomeDecided.of(outcome, record.partition(), record.offset());
      }
      case Topics.CORRECTIONS -> {
        // The reconciliation found a record of the log missing here: it is applied at its own position, so once.
        Correction correction = corrections.deserialize(record.topic(), record.headers(), record.value());
        if (correction == null || correction.getKind() != CorrectionKind.REPLAY_RECORD) {
          return NOTHING;
        }
        if (correction.getOutcome() != null) {
          if (correction.getSourcePartition() == null || correction.getSourceOffset() == null) {
            throw new SerializationException("A replayed outcome without the position it was read at (correction "
                + correction.getCorrectionId() + ")");
          }
          return OutcomeDecided.of(correction.getOutcome(), correction.getSourcePartition(), correction.getSourceOffset());
        }
        return correction.getPayment() == null ? NOTHING : new PaymentReceived(Shards.ofSale(correction.getPayment()));
      }
      default -> throw new IllegalStateException("Not a topic of the sink: " + record.topic());
    }
  }
}
