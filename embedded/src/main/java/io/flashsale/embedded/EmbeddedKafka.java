package io.flashsale.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker inside the JVM: one KRaft node that is broker and controller at once, listening on
 * 127.0.0.1. Used by tests and the local stack where no Docker engine exists.
 *
 * <p>With a data directory the broker's storage survives a restart: it is formatted only once, and the
 * static voter set (node 1 at whatever controller port is free now) lets it come back on new ports.
 */
public final class EmbeddedKafka implements KafkaBroker {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  static final String HOST = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /**
   * Settings for a single node. Internal topics get replication 1 and few partitions (the defaults, 3
   * and 50, cannot be met or are slow to create here); no rebalance delay, else every group waits 3 s;
   * a small cleaner buffer, as the 128 MiB default would take most of a test JVM's heap.
   */
  static final Map<String, String> SINGLE_NODE = Map.ofEntries(
      Map.entry("num.partitions", "8"),
      Map.entry("default.replication.factor", "1"),
      Map.entry("min.insync.replicas", "1"),
      Map.entry("auto.create.topics.enable", "false"),
      Map.entry("offsets.topic.replication.factor", "1"),
      Map.entry("offsets.topic.num.partitions", "5"),
      Map.entry("transaction.state.log.replication.factor", "1"),
      Map.entry("transaction.state.log.min.isr", "1"),
      Map.entry("transaction.state.log.num.partitions", "5"),
      Map.entry("share.coordinator.state.topic.replication.factor", "1"),
      Map.entry("share.coordinator.state.topic.min.isr", "1"),
      Map.entry("group.initial.rebalance.delay.ms", "0"),
      Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024)));

  private static EmbeddedKafka shared;

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private boolean closed;

  private EmbeddedKafka(Path dataDir, boolean deleteOnClose, KafkaRaftServer server, String bootstrapServers) {
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
  }

  /**
   * Starts a broker and returns once it answers clients.
   *
   * @param dataDir where the broker keeps its logs across restarts, or null for a temporary directory
   *     that is deleted on close
   */
  public static EmbeddedKafka start(Path dataDir) {
    try {
      boolean temporary = dataDir == null;
      Path dir = temporary ? Files.createTempDirectory("flashsale-kafka-") : Files.createDirectories(dataDir);
      Path logDir = dir.resolve("logs");
      int brokerPort = freePort();
      int controllerPort = freePort();
      // Static voters: the quorum is taken from this file on each start, so a new controller port is fine.
      Properties props = serverProperties(NODE_ID, logDir, brokerPort, controllerPort,
          NODE_ID + "@" + HOST + ":" + controllerPort, SINGLE_NODE);
      Path propsFile = dir.resolve("server.properties");
      write(props, propsFile);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        format(propsFile, Uuid.randomUuid().toString());
      }
      long started = System.nanoTime();
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      String bootstrap = HOST + ":" + brokerPort;
      EmbeddedKafka kafka = new EmbeddedKafka(dir, temporary, server, bootstrap);
      try {
        kafka.awaitReady();
      } catch (RuntimeException e) {
        kafka.close();
        throw e;
      }
      log.info("Kafka broker ready at {} in {} ms (data in {})",
          bootstrap, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dir);
      return kafka;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not prepare the broker's directory", e);
    }
  }

  /** One broker for all tests of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized EmbeddedKafka shared() {
    if (shared == null) {
      EmbeddedKafka kafka = start(null);
      Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "embedded-kafka-shutdown"));
      shared = kafka;
    }
    return shared;
  }

  public String bootstrapServers() {
    return bootstrapServers;
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    server.shutdown();
    server.awaitShutdown();
    if (deleteOnClose) {
      try {
        Utils.delete(dataDir.toFile());
      } catch (IOException e) {
        log.warn("Could not delete the broker's temporary directory {}", dataDir, e);
      }
    }
  }

  /** A combined broker and controller on 127.0.0.1; {@code voters} is the static quorum, {@code id@host:port,...}. */
  static Properties serverProperties(int nodeId, Path logDir, int brokerPort, int controllerPort, String voters,
                                     Map<String, String> settings) {
    Properties props = new Properties();
    props.put("process.roles", "broker,controller");
    props.put("node.id", String.valueOf(nodeId));
    props.put("controller.quorum.voters", voters);
    props.put("controller.listener.names", "CONTROLLER");
    props.put("listeners", "PLAINTEXT://" + HOST + ":" + brokerPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + brokerPort);
    props.put("inter.broker.listener.name", "PLAINTEXT");
    props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
    props.put("log.dirs", logDir.toString());
    props.putAll(settings);
    return props;
  }

  static void write(Properties props, Path file) throws IOException {
    try (OutputStream out = Files.newOutputStream(file)) {
      props.store(out, "Written on every start: the ports may change");
    }
  }

  /** Formats a node's storage; every node of one cluster gets the same {@code clusterId}. */
  static void format(Path propsFile, String clusterId) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    String[] args = {"format", "--cluster-id", clusterId, "--config", propsFile.toString()};
    int exitCode = StorageTool.execute(args, new PrintStream(output, true, StandardCharsets.UTF_8));
    if (exitCode != 0) {
      throw new IllegalStateException("Formatting the broker's storage failed (" + exitCode + "): "
          + output.toString(StandardCharsets.UTF_8));
    }
  }

  /** startup() returns before the broker is unfenced; clients only work once it answers metadata calls. */
  private void awaitReady() {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis()))) {
      if (admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
        throw new IllegalStateException("Broker at " + bootstrapServers + " reports no nodes");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("Broker at " + bootstrapServers + " did not become ready", e);
    }
  }

  static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
      return socket.getLocalPort();
    }
  }
}
