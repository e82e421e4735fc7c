package io.flashsale.bench;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Shards;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Decisions per second from a preloaded backlog, against the ceiling of the same broker and settings.
 *
 * <p>Each run gets a fresh in-JVM broker of the same kind, so none inherits another's log. Nothing of a fresh
 * cluster is timed: the topics are created and every partition has its leader before anything is written, and
 * the application starts with a fresh id on an unmeasured warm-up backlog, a tenth of the measured one (at most
 * 100,000 requests), on sales of their own that cover every partition, so its stream threads, their producers'
 * first batches into every partition (the broker logged retriable OutOfOrderSequence errors when these were
 * timed), its changelogs and the JIT are all warm. Then the application is paused, the measured backlog is
 * produced, and the time runs from its resumption until the last output is visible to a read_committed consumer
 * (so it includes the final commit). Before the measured rounds one unmeasured round of the ceiling and the hot
 * SKU at full size warms the JVM itself. Each figure is the median of {@code FLASHSALE_BENCH_BACKLOG_ROUNDS} runs
 * (3), the scenarios taking turns round by round so that a change of the machine's load falls on all of them;
 * results.json keeps every run and the spread.
 *
 * <p>The ceiling reads the very bytes of the hot-SKU backlog (same keys, same Avro values, same sizes)
 * but does not deserialize them: per record one RocksDB get and put and one output, with exactly_once_v2
 * and the topology's own settings (commit interval, threads). What the topology loses against it is the
 * cost of its decisions: Avro, the store writes of an accepted request and an outcome per request, and a
 * stock level per sale and interval. The topology reads the backlog in records of
 * {@code FLASHSALE_BENCH_BACKLOG_BATCH} requests, as the API writes them in a surge.
 */
final class BacklogBench {
  private static final String CEILING_INPUT = "bench-ceiling-input";
  private static final String CEILING_OUTPUT = "bench-ceiling-output";
  private static final String CEILING_STORE = "bench-ceiling-store";
  private static final String HOT_SKU = "SKU-HOT";
  private static final Duration DRAIN_TIMEOUT = Duration.ofMinutes(10);
  private static final int SHARD_RUN_THREADS = 4;
  /** Stream threads of the runs under way, instead of the environment's; null: the environment's. */
  private Integer streamThreads;
  /** Topology settings on top of the environment's for the runs under way (the settings table's rows). */
  private Map<String, String> overrides = Map.of();
  private static final int COMPARE_ROUNDS = 2;

  private final BenchConfig config;
  private final BenchResults results;

  BacklogBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  void run() throws Exception {
    int n = config.backlogRequests();
    int batch = config.backlogBatch();
    results.details.put("backlog_requests", n);
    results.details.put("backlog_batch", batch);
    results.details.put("backlog_stock_per_sale", config.stockFor(n));
    results.details.put("backlog_warm_up_requests", warmUpSize(n));
    results.details.put("backlog_rounds", config.backlogRounds());
    List<String> skus = IntStream.range(0, config.manySkus()).mapToObj(i -> String.format("SKU-%04d", i)).toList();
    // The brokers, the applications and the bench share this JVM: its first full-size run is still compiling (a
    // run's own warm-up, a tenth, is not enough). On 2026-12-07 round 1 of a quiet run gave the ceiling 84k, the hot
    // SKU 85k and 1,000 SKUs 93k records/s, rounds 2 and 3 167-174k, 133-149k and 119-150k: so one unmeasured round.
    System.out.printf("%nBacklog round 0, unmeasured: the JVM's warm-up%n");
    ceiling(n);
    topology("topology, 1 hot SKU, unmeasured", List.of(HOT_SKU), n, batch);
    if (!config.compareUnbatched()) {
      List<Double> ceilings = new ArrayList<>();
      List<Double> hot = new ArrayList<>();
      List<Double> many = new ArrayList<>();
      for (int round = 1; round <= config.backlogRounds(); round++) {
        System.out.printf("%nBacklog round %d of %d%n", round, config.backlogRounds());
        ceilings.add(ceiling(n));
        hot.add(topology("topology, 1 hot SKU", List.of(HOT_SKU), n, batch));
        many.add(topology("topology, " + skus.size() + " SKUs", skus, n, batch));
      }
      results.ceilingEosPassthroughRps = Spread.put(results.details, "ceiling_eos_passthrough_rps", ceilings);
      results.topologyHotSkuRps = Spread.put(results.details, "topology_hot_sku_rps", hot);
      results.topologyManySkusRps = Spread.put(results.details, "topology_many_skus_rps", many);
      System.out.printf("%n  medians of %d runs: ceiling %s, hot SKU %s, %d SKUs %s%n", config.backlogRounds(),
          Spread.describe(ceilings), Spread.describe(hot), skus.size(), Spread.describe(many));
      shards(n, batch);
      return;
    }
    results.ceilingEosPassthroughRps = ceiling(n);
    // One request per record (as before batching) and batches alternately, so that warm-up and the load of the
    // machine fall on both alike.
    List<Double> hotSingle = new ArrayList<>();
    List<Double> hotBatched = new ArrayList<>();
    for (int round = 0; round < COMPARE_ROUNDS; round++) {
      hotSingle.add(topology("topology, 1 hot SKU, one request per record", List.of(HOT_SKU), n, 1));
      hotBatched.add(topology("topology, 1 hot SKU", List.of(HOT_SKU), n, batch));
    }
    double manySingle = topology("topology, " + skus.size() + " SKUs, one request per record", skus, n, 1);
    results.topologyManySkusRps = topology("topology, " + skus.size() + " SKUs", skus, n, batch);
    results.topologyHotSkuRps = mean(hotBatched);
    results.details.put("topology_hot_sku_rps_runs", hotBatched);
    results.details.put("topology_hot_sku_rps_unbatched_runs", hotSingle);
    results.details.put("topology_hot_sku_rps_unbatched", mean(hotSingle));
    results.details.put("topology_many_skus_rps_unbatched", manySingle);
    System.out.printf("%n  hot SKU: %,.0f/s in records of %d, %,.0f/s one per record (%.2fx)%n",
        mean(hotBatched), batch, mean(hotSingle), mean(hotBatched) / mean(hotSingle));
    shards(n, batch);
  }

  /**
   * The hot SKU as one sale of 1, 2 and 4 stock shards, with the same requests spread over the shards, on 4 stream
   * threads each time: a deployment's threads do not change with a sale's shards.
   */
  private void shards(int n, int batch) throws Exception {
    streamThreads = SHARD_RUN_THREADS;
    Map<Integer, Double> rates = new java.util.TreeMap<>();
    Map<Integer, Long> partitionsUsed = new java.util.TreeMap<>();
    Map<Integer, List<Double>> runs = new java.util.TreeMap<>();
    for (int round = 1; round <= config.backlogRounds(); round++) {
      for (int count : new int[] {1, 2, 4}) {
        Sale hot = Sale.newBuilder(sales(List.of(HOT_SKU), n).get(0)).setShards(count).build();
        List<Sale> decided = Shards.deciding(hot);
        partitionsUsed.put(count, decided.stream()
            .map(s -> partition(s.getSku())).distinct().count());
        runs.computeIfAbsent(count, c -> new ArrayList<>())
            .add(decisions("topology, 1 hot SKU on " + count + " shard(s), round " + round, decided, n, batch));
      }
    }
    runs.forEach((count, list) -> rates.put(count, Spread.put(results.details, "topology_hot_sku_" + count + "_shards_rps", list)));
    streamThreads = null;
    results.details.put("topology_hot_sku_shards_rps", rates);
    results.details.put("topology_hot_sku_shards_stream_threads", SHARD_RUN_THREADS);
    results.details.put("topology_hot_sku_shards_partitions", partitionsUsed);
    System.out.printf("%n  hot SKU on 1, 2, 4 shards: %s records/s, on %s distinct partitions%n", rates, partitionsUsed);
  }

  private static double mean(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
  }

  private double ceiling(int n) throws Exception {
    System.out.printf("%nCeiling: exactly_once_v2 pass-through, one get + put + output per record, %,d records%n", n);
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null); Admin admin = admin(kafka)) {
      admin.createTopics(List.of(new NewTopic(CEILING_INPUT, config.partitions(), (short) 1),
          new NewTopic(CEILING_OUTPUT, config.partitions(), (short) 1))).all().get();
      awaitLeaders(admin);
      Topics topics = Topics.using(SchemaRegistry.forUrl("mock://bench-ceiling"));
      List<Sale> sales = sales(List.of(HOT_SKU), n);
      int warm = warmUpSize(n);
      // One request per record: the ceiling is per record, as a decision of an unbatched request costs one.
      preload(kafka, "warm-up ceiling", requests(topics, CEILING_INPUT, warmUpSales(warm), warm, 1, "warm-up-"), warm);
      TopologyConfig topologyConfig = topologyConfig(kafka, "bench-ceiling", "mock://bench-ceiling");
      Properties props = topologyConfig.streamsProperties();
      return drain("ceiling pass-through", kafka, CEILING_OUTPUT, warm, n, () -> new KafkaStreams(passThrough(), props),
          topologyConfig.stateDir(),
          () -> preload(kafka, "preload ceiling", requests(topics, CEILING_INPUT, sales, n, 1, "bench-"), n));
    }
  }

  /**
   * Decisions per second of the hot SKU's backlog in records of {@code batch}, with {@code settings} (variables of
   * TopologyConfig) on top of the environment's: a row of the settings table.
   */
  double hotSku(Map<String, String> settings, String label) throws Exception {
    overrides = Map.copyOf(settings);
    try {
      return topology(label, List.of(HOT_SKU), config.backlogRequests(), config.backlogBatch());
    } finally {
      overrides = Map.of();
    }
  }

  /** Decisions per second of the topology over a backlog. */
  private double topology(String label, List<String> skus, int n, int batchSize) throws Exception {
    return decisions(label, sales(skus, n), n, batchSize);
  }

  /** The same for these sales, whose SKUs the requests are spread over. */
  private double decisions(String label, List<Sale> sales, int n, int batchSize) throws Exception {
    List<String> skus = sales.stream().map(Sale::getSku).toList();
    System.out.printf("%nTopology: %s, %,d requests in records of %d over %d partitions%n", label, n, batchSize,
        config.partitions());
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null); Admin admin = admin(kafka)) {
      String registryUrl = "mock://bench-" + skus.size();
      Topics topics = Topics.using(SchemaRegistry.forUrl(registryUrl));
      TopicAdmin.ensureTopics(admin, topics, config.partitions(), (short) 1);
      awaitLeaders(admin);
      int warm = warmUpSize(n);
      List<Sale> warmUp = warmUpSales(warm);
      try (KafkaProducer<byte[], byte[]> producer = fastProducer(kafka)) {
        // Stamped before every request: the task processes a SKU's sale before its purchases.
        long definedAt = System.currentTimeMillis() - 60_000;
        for (Sale sale : java.util.stream.Stream.concat(warmUp.stream(), sales.stream()).toList()) {
          producer.send(new ProducerRecord<>(Topics.SALES, null, definedAt, key(sale.getSku()),
              topics.sales.valueSerde().serializer().serialize(Topics.SALES, sale)));
        }
      }
      preload(kafka, "warm-up " + label, requests(topics, Topics.PURCHASE_REQUESTS, warmUp, warm, batchSize, "warm-up-"),
          warm);
      TopologyConfig topologyConfig = topologyConfig(kafka, "bench-topology-" + skus.size(), registryUrl);
      return drain(label, kafka, Topics.PURCHASE_OUTCOMES, warm, n, () -> TopologyApp.start(topologyConfig),
          topologyConfig.stateDir(), () -> preload(kafka, "preload " + label,
              requests(topics, Topics.PURCHASE_REQUESTS, sales, n, batchSize, "bench-"), n));
    }
  }

  /** The topology's settings from the environment, on this broker, with a fresh application id and state. */
  private TopologyConfig topologyConfig(EmbeddedKafka kafka, String applicationId, String registryUrl)
      throws IOException {
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", kafka.bootstrapServers());
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", registryUrl);
    env.put("FLASHSALE_APPLICATION_ID", applicationId);
    env.put("FLASHSALE_STATE_DIR", Files.createTempDirectory(applicationId).toString());
    env.put("FLASHSALE_PARTITIONS", String.valueOf(config.partitions()));
    env.put("FLASHSALE_LOCAL_MODE", "true"); // one embedded broker: topics of one replica
    if (streamThreads != null) {
      env.put("FLASHSALE_STREAM_THREADS", String.valueOf(streamThreads));
    }
    env.putAll(overrides);
    TopologyConfig topologyConfig = TopologyConfig.fromEnv(env);
    if (!overrides.isEmpty()) {
      return topologyConfig; // a row of the settings table: its settings are reported there
    }
    if (streamThreads == null) {
      results.details.put("stream_threads", topologyConfig.streamThreads());
    }
    results.details.put("commit_interval_ms", topologyConfig.commitIntervalMs());
    results.details.put("stock_level_interval_ms", topologyConfig.stockLevelInterval().toMillis());
    return topologyConfig;
  }

  /**
   * Starts the application on the warm-up backlog ({@code warmUp} outputs), pauses it once they are all committed,
   * produces the measured backlog ({@code preload}), resumes it and returns outputs per second from the resumption
   * until the last of {@code expected} more outputs is committed.
   */
  private double drain(String label, EmbeddedKafka kafka, String outputTopic, int warmUp, int expected,
      Supplier<KafkaStreams> start, Path stateDir, Runnable preload) throws Exception {
    KafkaStreams streams = start.get();
    if (streams.state() == KafkaStreams.State.CREATED) {
      streams.start();
    }
    try (KafkaConsumer<byte[], byte[]> outputs = committedReader(kafka)) {
      List<TopicPartition> partitions = outputs.partitionsFor(outputTopic).stream()
          .map(p -> new TopicPartition(outputTopic, p.partition())).toList();
      outputs.assign(partitions);
      outputs.seekToBeginning(partitions);
      long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
      try (ScenarioTicker warming = ScenarioTicker.start("warm-up, unmeasured", warmUp)) {
        while (warming.done() < warmUp) {
          requireBefore(deadline, label + " wrote " + warming.done() + " of " + warmUp + " warm-up outputs");
          warming.add(outputs.poll(Duration.ofMillis(100)).count());
        }
      }
      streams.pause();
      preload.run();
      return timed(label, streams, outputs, expected, deadline);
    } finally {
      TopologyApp.stop(streams);
      Utils.delete(stateDir.toFile());
    }
  }

  /** Resumes the paused application; outputs per second until {@code expected} more are committed. */
  private static double timed(String label, KafkaStreams streams, KafkaConsumer<byte[], byte[]> outputs, int expected,
      long deadline) throws Exception {
    try (ScenarioTicker progress = ScenarioTicker.start(label, expected)) {
      long running = System.nanoTime();
      streams.resume();
      while (progress.done() < expected) {
        requireBefore(deadline, label + " wrote " + progress.done() + " of " + expected + " outputs");
        progress.add(outputs.poll(Duration.ofMillis(100)).count());
      }
      double seconds = (System.nanoTime() - running) / 1e9;
      double rate = expected / seconds;
      System.out.printf("  %s: %,d outputs in %.2f s = %,.0f records/s%n", label, expected, seconds, rate);
      return rate;
    }
  }

  /** Requests of the warm-up backlog: a tenth of the measured one, at most 100,000, enough for the JIT. */
  static int warmUpSize(int n) {
    return Math.max(1_000, Math.min(n / 10, 100_000));
  }

  /** A warm-up sale on every partition (SKUs chosen by their partition), so that every task is warm. */
  private List<Sale> warmUpSales(int warm) {
    List<String> skus = new ArrayList<>();
    for (int p = 0, i = 0; p < config.partitions(); i++) {
      String sku = "SKU-WARM-UP-" + i;
      if (partition(sku) == p) {
        skus.add(sku);
        p++;
      }
    }
    return sales(skus, warm);
  }

  private int partition(String sku) {
    return Utils.toPositive(Utils.murmur2(key(sku))) % config.partitions();
  }

  /** Waits until every partition of every topic has a leader: nothing is written to a partition still electing one. */
  private static void awaitLeaders(Admin admin) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
    while (true) {
      var names = admin.listTopics().names().get();
      boolean ready = admin.describeTopics(names).allTopicNames().get().values().stream()
          .flatMap(t -> t.partitions().stream()).allMatch(p -> p.leader() != null && !p.leader().isEmpty());
      if (ready) {
        return;
      }
      requireBefore(deadline, "Topics without a leader");
      Thread.sleep(50);
    }
  }

  private void preload(EmbeddedKafka kafka, String label, Stream<ProducerRecord<byte[], byte[]>> records, int n) {
    long started = System.nanoTime();
    AtomicReference<Exception> failure = new AtomicReference<>();
    try (KafkaProducer<byte[], byte[]> producer = fastProducer(kafka);
        ScenarioTicker progress = ScenarioTicker.start(label, n)) {
      records.forEach(record -> producer.send(record, (metadata, error) -> {
        if (error != null) {
          failure.compareAndSet(null, error);
        }
        progress.add(1);
      }));
      producer.flush();
    }
    if (failure.get() != null) {
      throw new IllegalStateException("Preload failed", failure.get());
    }
    double rate = n / ((System.nanoTime() - started) / 1e9);
    results.details.put("preload_rps", Math.round(rate));
    System.out.printf("  preloaded %,d requests at %,.0f records/s%n", n, rate);
  }

  /** One live first-come-first-served sale per SKU; all sales together have the stock for n requests. */
  private List<Sale> sales(List<String> skus, int n) {
    Instant now = Instant.now();
    int stockPerSale = Math.max(1, config.stockFor(n) / skus.size());
    return skus.stream().map(sku -> Sale.newBuilder()
        .setSaleId("sale-" + sku).setSku(sku).setName("Bench " + sku).setStock(stockPerSale).setPerUserLimit(1)
        .setPriceCents(4999).setCurrency("USD").setStartsAt(now.minus(Duration.ofHours(1)))
        .setEndsAt(now.plus(Duration.ofDays(1))).setHoldSeconds(300).setAllocation(Allocation.FCFS).setCreatedAt(now)
        .build()).toList();
  }

  /**
   * n requests from n distinct buyers in records of {@code batchSize} requests of one sale (the last may be
   * smaller), the records spread round-robin over the sales: as the API writes a surge.
   */
  private static Stream<ProducerRecord<byte[], byte[]>> requests(Topics topics, String topic, List<Sale> sales, int n,
      int batchSize, String idPrefix) {
    Instant now = Instant.now();
    int records = (n + batchSize - 1) / batchSize;
    return IntStream.range(0, records).mapToObj(r -> {
      Sale sale = sales.get(r % sales.size());
      List<PurchaseRequest> batch = IntStream.range(r * batchSize, Math.min(n, (r + 1) * batchSize))
          .mapToObj(i -> PurchaseRequest.newBuilder()
              .setRequestId(idPrefix + "request-" + i).setSaleId(sale.getSaleId()).setSku(sale.getSku())
              .setUserId(idPrefix + "buyer-" + i).setDeviceId(null).setQuantity(1).setIdempotencyKey(null)
              .setRequestedAt(now).build())
          .toList();
      return new ProducerRecord<>(topic, key(sale.getSku()), topics.purchaseRequests.valueSerde().serializer()
          .serialize(topic, new PurchaseBatch(sale.getSku(), batch)));
    });
  }

  private static byte[] key(String sku) {
    return Serdes.String().serializer().serialize(null, sku);
  }

  /** Large lz4 batches: the preload is set-up, not what is measured. */
  private static KafkaProducer<byte[], byte[]> fastProducer(EmbeddedKafka kafka) {
    return new KafkaProducer<>(Map.of(
        ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ProducerConfig.LINGER_MS_CONFIG, 20,
        ProducerConfig.BATCH_SIZE_CONFIG, 64 * 1024,
        ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4",
        ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class,
        ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class));
  }

  private static KafkaConsumer<byte[], byte[]> committedReader(EmbeddedKafka kafka) {
    return new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers(),
        ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed",
        ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 10_000,
        ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class,
        ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class));
  }

  private static Admin admin(EmbeddedKafka kafka) {
    return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()));
  }

  private static Topology passThrough() {
    Topology topology = new Topology();
    topology.addSource("ceiling-source", new ByteArrayDeserializer(), new ByteArrayDeserializer(), CEILING_INPUT);
    topology.addProcessor("ceiling-pass-through", PassThrough::new, "ceiling-source");
    topology.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(CEILING_STORE),
        Serdes.ByteArray(), Serdes.ByteArray()), "ceiling-pass-through");
    topology.addSink("ceiling-sink", CEILING_OUTPUT, new ByteArraySerializer(), new ByteArraySerializer(),
        "ceiling-pass-through");
    return topology;
  }

  /** The least a stateful exactly-once step does: read its state, write it, emit one record. */
  private static final class PassThrough implements Processor<byte[], byte[], byte[], byte[]> {
    private ProcessorContext<byte[], byte[]> context;
    private KeyValueStore<byte[], byte[]> store;

    @Override
    public void init(ProcessorContext<byte[], byte[]> context) {
      this.context = context;
      this.store = context.getStateStore(CEILING_STORE);
    }

    @Override
    public void process(Record<byte[], byte[]> record) {
      store.get(record.key());
      store.put(record.key(), record.value());
      context.forward(record.withTimestamp(context.currentSystemTimeMs()));
    }
  }

  private static void requireBefore(long deadlineNanos, String message) {
    if (System.nanoTime() > deadlineNanos) {
      throw new IllegalStateException(message + " within " + DRAIN_TIMEOUT);
    }
  }
}
