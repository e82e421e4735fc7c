package io.flashsale.reconciliation.nightly;

import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentStatus;
import io.flashsale.payments.PaymentProvider.Refund;
import io.flashsale.payments.PaymentProviderException;
import io.flashsale.reconciliation.nightly.ReconciliationStatements.ToCorrect;
import io.flashsale.schemas.Correction;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PaymentEventType;
import io.flashsale.schemas.Topics;
import java.time.Clock;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Makes the corrections that are safe without a person, each at most once:
 * <ul>
 *   <li>REFUND: the charge is refunded in full at the provider, with the correction's id as the idempotency key;
 *   <li>REPLAY_PAYMENT: the settled payment is given to the topology as a payment event whose id is the
 *       correction's id (the topology ignores an event id it has seen), and it decides as for any payment;
 *   <li>REPLAY_RECORD: the log record the database lacks is handed to the sink again, which applies it once.
 * </ul>
 * Every correction is published on {@code reconciliation-corrections}, in one Kafka transaction per page
 * together with the events it carries, and then stored in the database. A crash in between is harmless: the
 * rerun makes the same corrections under the same ids, and each effect happens once.
 */
final class Corrections {
  private static final List<String> CORRECTABLE = Arrays.stream(DiscrepancyClass.values())
      .filter(c -> c.correction() != null).map(Enum::name).toList();

  private final ReconciliationConfig config;
  private final Topics topics;
  private final PaymentProvider provider;
  private final ReconciliationStatements sql;
  private final DayLog log;
  private final Clock clock;
  private final RunProgress progress;
  private KafkaProducer<String, byte[]> producer;

  Corrections(ReconciliationConfig config, Topics topics, PaymentProvider provider, ReconciliationStatements sql,
              DayLog log, Clock clock, RunProgress progress) {
    this.config = config;
    this.topics = topics;
    this.provider = provider;
    this.sql = sql;
    this.log = log;
    this.clock = clock;
    this.progress = progress;
  }

  /** A correction of a discrepancy, and the event it hands to the topology, if any. */
  private record Made(ToCorrect discrepancy, Correction correction, PaymentEvent replayedPayment) {}

  void correct(String runId, LocalDate day) {
    int made = 0;
    int already = 0;
    int failed = 0;
    try {
      ToCorrect last = null;
      for (List<ToCorrect> page; !(page = sql.toCorrect(runId, CORRECTABLE, last == null ? "" : last.discrepancyClass(),
          last == null ? "" : last.subject(), config.batch())).isEmpty(); last = page.get(page.size() - 1)) {
        List<Made> corrections = new ArrayList<>();
        for (ToCorrect discrepancy : page) {
          DiscrepancyClass discrepancyClass = DiscrepancyClass.valueOf(discrepancy.discrepancyClass());
          String id = correctionId(discrepancyClass, discrepancy);
          if (sql.correctedBy(id).isPresent()) {
            sql.settle(runId, discrepancy.discrepancyClass(), discrepancy.subject(), "ALREADY_CORRECTED", id, null);
            already++;
            continue;
          }
          try {
            corrections.add(make(discrepancyClass, discrepancy, id, runId, day));
          } catch (PaymentProviderException | CannotCorrect e) {
            sql.settle(runId, discrepancy.discrepancyClass(), discrepancy.subject(), "NEEDS_PERSON", null, e.getMessage());
            failed++;
          }
        }
        publish(corrections);
        for (Made m : corrections) {
          Correction c = m.correction();
          sql.recordCorrection(c.getCorrectionId(), c.getKind().name(), c.getDiscrepancy(), day, runId,
              c.getCreatedAt(), c.getSaleId(), c.getRequestId(), c.getPaymentId(), c.getAmountCents(), c.getCurrency());
          sql.settle(runId, c.getDiscrepancy(), m.discrepancy().subject(), "CORRECTED", c.getCorrectionId(), null);
          progress.advance();
        }
        made += corrections.size();
      }
    } finally {
      if (producer != null) {
        producer.close();
      }
    }
    progress.note(String.format("%d corrected now, %d corrected by an earlier run, %d could not be corrected", made,
        already, failed));
  }

  /** Ids name what is corrected, so that however often a day is run, a thing is corrected once. */
  static String correctionId(DiscrepancyClass discrepancyClass, ToCorrect discrepancy) {
    return switch (discrepancyClass.correction()) {
      // Charged twice or owed after the hold: either way this payment is refunded once.
      case REFUND -> "refund:" + discrepancy.paymentId();
      case REPLAY_PAYMENT -> "replay-payment:" + discrepancy.paymentId();
      case REPLAY_RECORD -> "replay-record:" + discrepancy.subject();
      case UNKNOWN -> throw new IllegalArgumentException(discrepancyClass + " is not corrected automatically");
    };
  }

  private Made make(DiscrepancyClass discrepancyClass, ToCorrect d, String id, String runId, LocalDate day) {
    Correction.Builder correction = Correction.newBuilder().setCorrectionId(id).setKind(discrepancyClass.correction())
        .setDiscrepancy(discrepancyClass.name()).setDay(day).setRunId(runId).setSaleId(d.saleId())
        .setRequestId(d.requestId()).setPaymentId(d.paymentId()).setCreatedAt(clock.instant());
    switch (discrepancyClass.correction()) {
      case REFUND -> {
        if (d.amountCents() == null) {
          throw new CannotCorrect("the provider does not know payment " + d.paymentId());
        }
        Refund refund = provider.refund(d.paymentId(), d.amountCents(), id);
        return new Made(d, correction.setAmountCents(refund.amountCents()).setCurrency(refund.currency()).build(), null);
      }
      case REPLAY_PAYMENT -> {
        Payment payment = provider.payment(d.paymentId())
            .filter(p -> p.status() == PaymentStatus.SUCCEEDED)
            .orElseThrow(() -> new CannotCorrect("the provider does not report payment " + d.paymentId() + " as paid"));
        PaymentEvent event = PaymentEvent.newBuilder().setEventId(id).setPaymentId(payment.paymentId())
            .setRequestId(payment.requestId()).setSaleId(payment.saleId()).setSku(payment.sku())
            .setType(PaymentEventType.SUCCEEDED).setAmountCents(payment.amountCents()).setCurrency(payment.currency())
            .setOccurredAt(payment.createdAt()).setReceivedAt(clock.instant())
            // the buyer's flow from the payment's metadata, as the webhook would have brought it; never required
            .setFlowId(InputRules.flowId("flowId", payment.flowId()) == null ? payment.flowId() : null).build();
        return new Made(d, correction.setSaleId(payment.saleId()).setAmountCents(payment.amountCents())
            .setCurrency(payment.currency()).setPayment(event).build(), event);
      }
      case REPLAY_RECORD -> {
        ConsumerRecord<String, byte[]> record = Optional.ofNullable(log.recordAt(d.topic(), d.partition(), d.offset()))
            .orElseThrow(() -> new CannotCorrect("the record is no longer in the log"));
        correction.setSourceTopic(d.topic()).setSourcePartition(d.partition()).setSourceOffset(d.offset());
        if (Topics.PURCHASE_OUTCOMES.equals(d.topic())) {
          correction.setOutcome(topics.purchaseOutcomes.valueSerde().deserializer()
              .deserialize(record.topic(), record.headers(), record.value()));
        } else {
          correction.setPayment(topics.paymentEvents.valueSerde().deserializer()
              .deserialize(record.topic(), record.headers(), record.value()));
        }
        return new Made(d, correction.build(), null);
      }
      default -> throw new IllegalArgumentException(discrepancyClass + " is not corrected automatically");
    }
  }

  private void publish(List<Made> corrections) {
    if (corrections.isEmpty()) {
      return;
    }
    if (producer == null) {
      producer = new KafkaProducer<>(config.producerProperties(), new StringSerializer(), new ByteArraySerializer());
      producer.initTransactions();
    }
    producer.beginTransaction();
    for (Made m : corrections) {
      Correction c = m.correction();
      producer.send(new ProducerRecord<>(Topics.CORRECTIONS, c.getCorrectionId(),
          topics.corrections.valueSerde().serializer().serialize(Topics.CORRECTIONS, c)));
      if (m.replayedPayment() != null) {
        PaymentEvent event = m.replayedPayment();
        producer.send(new ProducerRecord<>(Topics.PAYMENT_EVENTS, event.getSku(),
            topics.paymentEvents.valueSerde().serializer().serialize(Topics.PAYMENT_EVENTS, event)));
      }
    }
    producer.commitTransaction();
  }

  /** A correction that cannot be made; the discrepancy is left for a person with this reason. */
  private static final class CannotCorrect extends RuntimeException {
    CannotCorrect(String message) {
      super(message, null, false, false);
    }
  }
}
