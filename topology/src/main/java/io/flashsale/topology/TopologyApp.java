package io.flashsale.topology;

import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.metrics.MetricsServer;
import io.flashsale.metrics.ProcessMeters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CountDownLatch;
import java.util.function.Function;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.streams.CloseOptions;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse;
import org.apache.kafka.streams.state.KeyValueBytesStoreSupplier;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs the topology: creates missing topics, starts Kafka Streams, and closes it cleanly on shutdown. */
public final class TopologyApp {
  /** Printed once the topology is RUNNING; launchers and tests wait for this line. */
  public static final String RUNNING_LINE = "flashsale topology RUNNING";
  private static final Logger log = LoggerFactory.getLogger(TopologyApp.class);
  private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);

  private TopologyApp() {}

  /**
   * Ensures the topics exist and that those read together have the same number of partitions ({@link
   * CoPartitioning}: it throws otherwise), then builds and starts the topology. The caller closes the result.
   */
  public static KafkaStreams start(TopologyConfig config) {
    return start(config, (newState, oldState) -> log.info("Topology {} -> {}", oldState, newState));
  }

  static KafkaStreams start(TopologyConfig config, KafkaStreams.StateListener stateListener) {
    return start(config, stateListener, TopologyMeters.none(), Stores::persistentKeyValueStore);
  }

  /** The topology on stores of the given supplier: fault-injection tests hand in stores that fail. */
  static KafkaStreams start(TopologyConfig config, Function<String, KeyValueBytesStoreSupplier> stores,
                            KafkaStreams.StateListener stateListener) {
    return start(config, stateListener, TopologyMeters.none(), stores);
  }

  /**
   * As {@link #start(TopologyConfig)}, counting on {@code meters}: the topology's decisions, stock and dead letters
   * ({@link TopologyMeters}) and Kafka Streams' own metrics, its clients' included.
   */
  public static KafkaStreams start(TopologyConfig config, MeterRegistry meters) {
    KafkaStreams streams = start(config, (newState, oldState) -> log.info("Topology {} -> {}", oldState, newState),
        new TopologyMeters(meters), Stores::persistentKeyValueStore);
    new KafkaStreamsMetrics(streams).bindTo(meters);
    return streams;
  }

  private static KafkaStreams start(TopologyConfig config, KafkaStreams.StateListener stateListener,
      TopologyMeters meters, Function<String, KeyValueBytesStoreSupplier> stores) {
    Topics topics = Topics.using(config.kafka().schemaRegistry());
    FetchedRecords clients = new FetchedRecords();
    Topology topology = SaleTopology.build(topics, config.stockLevelInterval(), config.dedupGrace(),
        config.paymentDedupRetention(), meters, stores, config.holdExpiriesPerPunctuation(),
        new EagerCommit(config.eagerCommitLag(), clients));
    try (Admin admin = config.kafka().connectAdmin("flashsale-topology-admin")) {
      TopicAdmin.ensureTopics(admin, topics, config.partitions(), config.replicationFactor());
      // Topics created earlier keep their counts: a cluster whose counts differ is refused before it loses stock.
      CoPartitioning.require(admin, topology.describe());
    }
    KafkaStreams streams = new KafkaStreams(topology, config.streamsProperties(), clients);
    // A thread that dies on an unexpected error is replaced; exactly once makes the retry safe.
    streams.setUncaughtExceptionHandler(e -> {
      log.error("Stream thread failed; replacing it", e);
      return StreamThreadExceptionResponse.REPLACE_THREAD;
    });
    streams.setStateListener(stateListener);
    streams.start();
    return streams;
  }

  /**
   * Makes US English the JVM's default format locale. Kafka Streams (4.3.1) formats a log text with
   * String.format for every empty input partition of a task on every record, logged or not; our tasks read
   * four topics and two of them are nearly always empty. For any default locale but US English the JDK
   * looks up the locale's digits on every such call, which made a hot sale's decisions about 20 % slower
   * (measured in one JVM, en against en_US). Nothing the topology writes depends on the locale.
   */
  public static void useFastFormatLocale() {
    Locale.setDefault(Locale.Category.FORMAT, Locale.US);
  }

  /**
   * Closes cleanly and leaves the group, so that a restarted or remaining instance takes the partitions
   * over at once instead of after the session timeout (Kafka Streams stays in the group by default).
   */
  public static void stop(KafkaStreams streams) {
    streams.close(CloseOptions.timeout(CLOSE_TIMEOUT)
        .withGroupMembershipOperation(CloseOptions.GroupMembershipOperation.LEAVE_GROUP));
  }

  public static void main(String[] args) throws InterruptedException {
    useFastFormatLocale();
    TopologyConfig config = TopologyConfig.fromEnv(System.getenv());
    CountDownLatch failed = new CountDownLatch(1);
    PrometheusMeterRegistry meters = ProcessMeters.create("topology");
    KafkaStreams streams = start(config, (newState, oldState) -> {
      log.info("Topology {} -> {}", oldState, newState);
      if (newState == KafkaStreams.State.RUNNING) {
        System.out.println(RUNNING_LINE);
      } else if (newState == KafkaStreams.State.ERROR) {
        failed.countDown();
      }
    }, new TopologyMeters(meters), Stores::persistentKeyValueStore);
    new KafkaStreamsMetrics(streams).bindTo(meters);
    if (config.metrics().enabled()) {
      MetricsServer.start(config.metrics(), meters); // lives as long as the process
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(streams), "flashsale-topology-shutdown"));
    failed.await();
    log.error("Topology failed for good; exiting");
    System.exit(1);
  }
}
