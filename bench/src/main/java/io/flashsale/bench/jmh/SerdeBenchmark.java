package io.flashsale.bench.jmh;

import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.AvroSerde;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.Serde;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The Avro serdes (Confluent wire format) of the two records every purchase costs: its request and outcome. */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class SerdeBenchmark {
  private final Topics topics = Topics.using(SchemaRegistry.forUrl("mock://jmh-serde"));
  private final Serde<PurchaseRequest> requests = topics.purchaseRequest;
  private final Serde<PurchaseOutcome> outcomes = topics.purchaseOutcomes.valueSerde();
  // The rival of the same run: the serde's format written by Avro's own SpecificDatumWriter (the serdes compile
  // a writer from the schema instead).
  private final Serde<PurchaseOutcome> outcomesByAvrosWriter =
      AvroSerde.withSchema(PurchaseOutcome.getClassSchema(), SchemaRegistry.forUrl("mock://jmh-serde"));
  private final Instant now = Instant.now();
  private final Sale sale = DecisionBenchmark.sale(now, 100);
  private final PurchaseRequest request = DecisionBenchmark.request(sale, 42, now);
  private final PurchaseOutcome outcome = PurchaseOutcome.newBuilder()
      .setRequestId(request.getRequestId()).setSaleId(sale.getSaleId()).setSku(sale.getSku())
      .setUserId(request.getUserId()).setQuantity(1).setStatus(OutcomeStatus.ACCEPTED).setReason(null)
      .setHoldExpiresAt(now.plusSeconds(300)).setDecidedAt(now).setRequestPartition(3).setRequestOffset(123_456L)
      .build();
  private final byte[] requestBytes = requests.serializer().serialize(Topics.PURCHASE_REQUESTS, request);
  private final byte[] outcomeBytes = outcomes.serializer().serialize(Topics.PURCHASE_OUTCOMES, outcome);

  @Benchmark
  public byte[] serializeRequest() {
    return requests.serializer().serialize(Topics.PURCHASE_REQUESTS, request);
  }

  @Benchmark
  public PurchaseRequest deserializeRequest() {
    return requests.deserializer().deserialize(Topics.PURCHASE_REQUESTS, requestBytes);
  }

  @Benchmark
  public byte[] serializeOutcome() {
    return outcomes.serializer().serialize(Topics.PURCHASE_OUTCOMES, outcome);
  }

  @Benchmark
  public byte[] serializeOutcomeByAvrosWriter() {
    return outcomesByAvrosWriter.serializer().serialize(Topics.PURCHASE_OUTCOMES, outcome);
  }

  @Benchmark
  public PurchaseOutcome deserializeOutcome() {
    return outcomes.deserializer().deserialize(Topics.PURCHASE_OUTCOMES, outcomeBytes);
  }
}
