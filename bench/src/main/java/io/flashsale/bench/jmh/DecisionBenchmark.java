package io.flashsale.bench.jmh;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.StockLevel;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.PurchaseDecision;
import io.flashsale.topology.SaleTopology;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.infra.Blackhole;

/**
 * The decision of one purchase request: the pure rules alone, and the whole decision processor (Avro in and
 * out, its RocksDB stores, both outputs) driven through the real topology without a broker or transactions.
 *
 * <p>TopologyTestDriver commits after every record, and a commit flushes the RocksDB stores, so
 * {@code processor} is a lower bound that is dominated by those flushes; Kafka Streams commits every
 * commit.interval.ms instead. The backlog runs of {@code ./flashsale bench} give the real rate.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
public class DecisionBenchmark {

  /** The pure rules: decide, the next stock level, the outcome record. */
  @State(Scope.Thread)
  public static class Rules {
    final Instant now = Instant.now();
    final Sale sale = sale(now, 1_000_000);
    final StockLevel stock = PurchaseDecision.openingStock(sale, now);
    final PurchaseRequest request = request(sale, 0, now);
  }

  @Benchmark
  public void rules(Rules state, Blackhole results) {
    PurchaseDecision decision = PurchaseDecision.decide(state.sale, state.stock, 0, state.request,
        state.request.getRequestedAt());
    results.consume(decision.applyTo(state.stock, state.request.getQuantity(), state.now));
    results.consume(decision.toOutcome(state.request, state.sale, state.now, 0, 0L, 0));
  }

  /** The topology with one live sale; every invocation is a new buyer's request for it. */
  @State(Scope.Thread)
  public static class Processor {
    TopologyTestDriver driver;
    TestInputTopic<String, PurchaseBatch> requests;
    TestOutputTopic<byte[], byte[]> outcomes;
    TestOutputTopic<byte[], byte[]> stockLevels;
    Path stateDir;
    Sale sale;
    long buyer;

    @Setup(Level.Trial)
    public void start() throws Exception {
      Topics topics = Topics.using(SchemaRegistry.forUrl("mock://jmh-decision"));
      stateDir = Files.createTempDirectory("jmh-decision");
      Properties props = new Properties();
      props.put(StreamsConfig.APPLICATION_ID_CONFIG, "jmh-decision");
      props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
      props.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
      driver = new TopologyTestDriver(SaleTopology.build(topics), props);
      sale = sale(Instant.now(), 1_000_000_000);
      driver.createInputTopic(Topics.SALES, new StringSerializer(), topics.sales.valueSerde().serializer())
          .pipeInput(sale.getSku(), sale);
      requests = driver.createInputTopic(Topics.PURCHASE_REQUESTS, new StringSerializer(),
          topics.purchaseRequests.valueSerde().serializer());
      outcomes = driver.createOutputTopic(Topics.PURCHASE_OUTCOMES, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      stockLevels = driver.createOutputTopic(Topics.STOCK_LEVELS, new ByteArrayDeserializer(), new ByteArrayDeserializer());
      stockLevels.readRecordsToList(); // the sale's opening stock
    }

    @TearDown(Level.Trial)
    public void stop() throws Exception {
      driver.close();
      Utils.delete(stateDir.toFile());
    }
  }

  @Benchmark
  public byte[] processor(Processor state) {
    state.requests.pipeInput(state.sale.getSku(),
        new PurchaseBatch(state.sale.getSku(), List.of(request(state.sale, state.buyer++, Instant.now()))));
    state.stockLevels.readRecord(); // the driver keeps every output until read
    return state.outcomes.readRecord().value();
  }

  /** Requests per record in {@link #processorBatch}, as the API gathers a hot SKU's clicks in a surge. */
  static final int BATCH = 100;

  /** The same, a record of {@value #BATCH} requests per invocation: divide by it for decisions per second. */
  @Benchmark
  public List<byte[]> processorBatch(Processor state) {
    Instant now = Instant.now();
    List<PurchaseRequest> batch = new java.util.ArrayList<>(BATCH);
    for (int i = 0; i < BATCH; i++) {
      batch.add(request(state.sale, state.buyer++, now));
    }
    state.requests.pipeInput(state.sale.getSku(), new PurchaseBatch(state.sale.getSku(), batch));
    state.stockLevels.readRecord(); // one level per record
    return state.outcomes.readValuesToList();
  }

  static Sale sale(Instant now, int stock) {
    return Sale.newBuilder()
        .setSaleId("jmh-sale").setSku("SKU-JMH").setName("JMH").setStock(stock).setPerUserLimit(1)
        .setPriceCents(4999).setCurrency("USD").setStartsAt(now.minus(Duration.ofHours(1)))
        .setEndsAt(now.plus(Duration.ofDays(1))).setHoldSeconds(300).setAllocation(Allocation.FCFS).setCreatedAt(now)
        .build();
  }

  static PurchaseRequest request(Sale sale, long buyer, Instant at) {
    return PurchaseRequest.newBuilder()
        .setRequestId("jmh-request-" + buyer).setSaleId(sale.getSaleId()).setSku(sale.getSku())
        .setUserId("jmh-buyer-" + buyer).setDeviceId(null).setQuantity(1).setIdempotencyKey(null).setRequestedAt(at)
        .build();
  }
}
