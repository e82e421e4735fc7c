package io.flashsale.reconciliation.nightly;

import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.reconciliation.nightly.FlowStatements.RequestPlace;
import io.flashsale.reconciliation.nightly.ReportStatements.FlowStep;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.Topics;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.errors.SerializationException;

/**
 * Links each discrepancy of a run to its buyer's flow (the flow id the request, its outcomes and its payment
 * carry, header Flashsale-Flow) and finds the flow's steps: the queue join if any and the purchase request (read
 * again from the log), the decisions and payment events (the books, and the staged day where the books lack
 * them), and the checkout (the payment as the provider made it). The steps are stored with the run, and both
 * reports show them under the discrepancy.
 *
 * <p>Every discrepancy is linked; the steps are found for the flows of the first {@value #FLOWS_TRACED}
 * discrepancies in the report's order (more than the HTML report shows), as each flow costs a few reads of the
 * log and a question to the provider per payment: a few milliseconds each, so seconds for the whole bound.
 */
final class FlowTrace {
  static final int FLOWS_TRACED = 1_000;
  /** Joins before a sale's start are its pre-queue, at most this long before it: the join may be a day before. */
  private static final long JOIN_LOOKBACK_SECONDS = InputRules.MAX_PRE_QUEUE_SECONDS;
  /** How steps of the same moment are ordered: as a flow goes. */
  private static final List<String> STEP_ORDER = List.of("QUEUE_JOIN", "PURCHASE_REQUEST", "OUTCOME", "CHECKOUT",
      "PAYMENT");

  private final Topics topics;
  private final PaymentProvider provider;
  private final DayLog log;
  private final RunProgress progress;

  FlowTrace(Topics topics, PaymentProvider provider, DayLog log, RunProgress progress) {
    this.topics = topics;
    this.provider = provider;
    this.log = log;
    this.progress = progress;
  }

  /** Links the run's discrepancies to their flows and stores the traced flows' steps; answers how many flows. */
  int trace(FlowStatements sql, String runId, Instant from, Instant to) {
    int linked = sql.linkDiscrepancies(runId);
    List<String> flows = sql.flows(runId, FLOWS_TRACED);
    progress.note(String.format("discrepancies linked to a flow: %,d; flows traced: %,d", linked, flows.size()));
    if (flows.isEmpty()) {
      return 0;
    }
    String[] flowIds = flows.toArray(String[]::new);
    List<FlowStep> steps = new ArrayList<>(sql.recordedSteps(flowIds));
    steps.addAll(requests(sql.requestPlaces(flowIds)));
    List<FlowStep> named = new ArrayList<>(steps);
    named.addAll(sql.discrepancyPayments(runId, flowIds)); // only to ask the provider about: no step of its own
    steps.addAll(checkouts(named));
    steps.addAll(joins(new HashSet<>(flows), from.minusSeconds(JOIN_LOOKBACK_SECONDS), to));
    sql.insertSteps(runId, numbered(steps));
    return flows.size();
  }

  /** Each request read again from purchase-requests, at the time the broker appended it (the queue's order). */
  private List<FlowStep> requests(List<RequestPlace> places) {
    List<FlowStep> steps = new ArrayList<>();
    var batches = topics.purchaseRequests.valueSerde().deserializer();
    for (RequestPlace place : places) {
      ConsumerRecord<String, byte[]> record = log.heldRecordAt(Topics.PURCHASE_REQUESTS, place.requestPartition(),
          place.requestOffset());
      PurchaseBatch batch = record == null ? null : decoded(() -> batches.deserialize(record.topic(), record.value()));
      Optional<PurchaseRequest> request = batch == null ? Optional.empty() : batch.getRequests().stream()
          .filter(r -> r.getRequestId().equals(place.requestId())).findFirst();
      if (request.isEmpty()) {
        progress.note("request " + place.requestId() + " is no longer at purchase-requests-" + place.requestPartition()
            + "@" + place.requestOffset() + " (retention): its flow is shown without it");
        continue;
      }
      PurchaseRequest r = request.get();
      steps.add(new FlowStep(place.flowId(), 0, "PURCHASE_REQUEST", Instant.ofEpochMilli(record.timestamp()), "log",
          place.saleId(), r.getRequestId(), null, "quantity " + r.getQuantity() + " by " + r.getUserId()
          + " at purchase-requests-" + record.partition() + "@" + record.offset()));
    }
    return steps;
  }

  /** The payments of the flows as the provider made them at their checkout. */
  private List<FlowStep> checkouts(List<FlowStep> recorded) {
    Map<String, FlowStep> byPayment = new LinkedHashMap<>();
    recorded.stream().filter(s -> s.paymentId() != null).forEach(s -> byPayment.putIfAbsent(s.paymentId(), s));
    List<FlowStep> steps = new ArrayList<>();
    byPayment.forEach((paymentId, step) -> {
      Optional<Payment> payment = provider.payment(paymentId);
      payment.ifPresent(p -> steps.add(new FlowStep(step.flowId(), 0, "CHECKOUT", p.createdAt(), "provider",
          step.saleId(), step.requestId(), paymentId, p.amountCents() + " " + p.currency() + ", now " + p.status())));
    });
    return steps;
  }

  /** The flows' joins of waiting rooms, read from queue-joins over the day and the pre-queue before it. */
  private List<FlowStep> joins(Set<String> flows, Instant from, Instant to) {
    List<FlowStep> steps = new ArrayList<>();
    var joins = topics.queueJoins.valueSerde().deserializer();
    log.read(Topics.QUEUE_JOINS, from, to, record -> {
      QueueJoin join = decoded(() -> joins.deserialize(record.topic(), record.value()));
      if (join != null && join.getFlowId() != null && flows.contains(join.getFlowId())) {
        steps.add(new FlowStep(join.getFlowId(), 0, "QUEUE_JOIN", Instant.ofEpochMilli(record.timestamp()), "log",
            join.getSaleId(), null, null, "by " + join.getUserId()
            + (join.getReplacesPlace() != null ? ", again after losing place " + join.getReplacesPlace() : "")));
      }
    });
    return steps;
  }

  /** Each flow's steps by time, a step before the next of the same moment, numbered from 1. */
  private static List<FlowStep> numbered(List<FlowStep> steps) {
    Map<String, List<FlowStep>> byFlow = steps.stream().collect(Collectors.groupingBy(FlowStep::flowId,
        LinkedHashMap::new, Collectors.toCollection(ArrayList::new)));
    List<FlowStep> numbered = new ArrayList<>();
    byFlow.forEach((flow, own) -> {
      own.sort(Comparator.comparing(FlowStep::at).thenComparing(s -> STEP_ORDER.indexOf(s.step())));
      int n = 0;
      for (FlowStep s : new LinkedHashSet<>(own)) {
        numbered.add(new FlowStep(flow, ++n, s.step(), s.at(), s.source(), s.saleId(), s.requestId(), s.paymentId(),
            s.detail()));
      }
    });
    return numbered;
  }

  /**
   * A record's value, or null for bytes that are not one (the day's comparison has listed them already); an
   * unreachable registry fails the run as everywhere else.
   */
  private static <T> T decoded(java.util.function.Supplier<T> read) {
    try {
      return read.get();
    } catch (SerializationException e) {
      if (io.flashsale.schemas.serde.SchemaRegistry.isUnavailable(e)) {
        throw e;
      }
      return null;
    }
  }
}
