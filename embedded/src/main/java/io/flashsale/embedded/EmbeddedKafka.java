package io.flashsale.embedded;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import javax.management.JMException;
import javax.management.ObjectName;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.server.metrics.KafkaMetricsGroup;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka broker inside the JVM: one KRaft node that is broker and controller at once, listening on
 * 127.0.0.1. Used by tests and the local stack where no Docker engine exists.
 *
 * <p>With a data directory the broker's storage survives a restart: it is formatted only once, and it comes back on
 * the ports it took at its first start ({@value #PORTS_FILE} in the directory). A log killed in the middle of
 * transactions keeps them open, and its transaction coordinator ends them after the restart by sending markers to
 * the partition leaders' addresses it knows: on a new port those go to the dead process, and a restarted stack was
 * seen to wait minutes for them. A kept port that another process holds now fails the start, naming the port.
 *
 * <p>{@link #startSecured} puts clients on a listener that wants SASL/SCRAM-SHA-512 logins (over TLS if asked):
 * what a production cluster asks of the processes. The broker's own traffic stays on a plain listener that clients
 * are not told of.
 */
public final class EmbeddedKafka implements KafkaBroker {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafka.class);
  private static final int NODE_ID = 1;
  static final String HOST = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);
  /** The ports of a broker with a data directory, chosen free at its first start and kept from then on. */
  public static final String PORTS_FILE = "ports.properties";

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

  /** The SASL mechanism of a secured broker's client listener. */
  public static final String SCRAM_MECHANISM = "SCRAM-SHA-512";
  private static final String CLIENT_LISTENER = "CLIENTS";
  private static final String INTERNAL_LISTENER = "INTERNAL";

  /**
   * What the client listener of a secured broker asks for.
   *
   * @param users the SCRAM users and their passwords, created when the storage is formatted
   * @param tls the broker's certificate for SASL_SSL, or null for SASL_PLAINTEXT
   */
  public record Security(Map<String, String> users, SelfSignedTls tls) {
    public Security {
      if (users.isEmpty()) {
        throw new IllegalArgumentException("A secured broker needs at least one user");
      }
      users = Map.copyOf(users);
    }

    public String protocol() {
      return tls == null ? "SASL_PLAINTEXT" : "SASL_SSL";
    }
  }

  private static EmbeddedKafka shared;

  private final Path dataDir;
  private final boolean deleteOnClose;
  private final KafkaRaftServer server;
  private final String bootstrapServers;
  private final Security security;
  private boolean closed;

  private EmbeddedKafka(Path dataDir, boolean deleteOnClose, KafkaRaftServer server, String bootstrapServers,
                        Security security) {
    this.dataDir = dataDir;
    this.deleteOnClose = deleteOnClose;
    this.server = server;
    this.bootstrapServers = bootstrapServers;
    this.security = security;
  }

  /**
   * Starts a broker and returns once it answers clients.
   *
   * @param dataDir where the broker keeps its logs across restarts, or null for a temporary directory
   *     that is deleted on close
   */
  public static EmbeddedKafka start(Path dataDir) {
    return start(dataDir, null);
  }

  /**
   * Starts a broker whose clients must log in with SCRAM-SHA-512 as one of {@code security}'s users, over TLS if
   * it has a certificate; {@link #bootstrapServers()} is that listener, {@link #clientEnvironment} the variables
   * that reach it.
   */
  public static EmbeddedKafka startSecured(Path dataDir, Security security) {
    return start(dataDir, security);
  }

  private static EmbeddedKafka start(Path dataDir, Security security) {
    try {
      boolean temporary = dataDir == null;
      Path dir = temporary ? Files.createTempDirectory("flashsale-kafka-") : Files.createDirectories(dataDir);
      Path logDir = dir.resolve("logs");
      Ports ports = temporary ? Ports.free(security != null) : Ports.kept(dir.resolve(PORTS_FILE), security != null);
      int brokerPort = ports.broker();
      int controllerPort = ports.controller();
      // Static voters: the quorum is taken from this file on each start, so a new controller port is fine.
      Properties props = serverProperties(NODE_ID, logDir, brokerPort, controllerPort,
          NODE_ID + "@" + HOST + ":" + controllerPort, SINGLE_NODE);
      String internal = HOST + ":" + brokerPort;
      String bootstrap = internal;
      List<String> credentials = new ArrayList<>();
      if (security != null) {
        int clientPort = ports.client();
        secure(props, brokerPort, clientPort, controllerPort, security);
        bootstrap = HOST + ":" + clientPort;
        security.users().forEach((user, password) ->
            credentials.addAll(List.of("--add-scram", SCRAM_MECHANISM + "=[name=" + user + ",password=" + password + "]")));
      }
      Path propsFile = dir.resolve("server.properties");
      write(props, propsFile);
      if (!Files.exists(logDir.resolve("meta.properties"))) {
        format(propsFile, Uuid.randomUuid().toString(), credentials);
      }
      long started = System.nanoTime();
      // Kafka registers the broker's state gauge once per JVM and never removes it: without this, the gauge that
      // running() reads would report an earlier broker of this JVM, and a broker keeping its data never got ready.
      BROKER_METRICS.removeMetric(BROKER_STATE);
      KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
      server.startup();
      EmbeddedKafka kafka = new EmbeddedKafka(dir, temporary, server, bootstrap, security);
      try {
        kafka.awaitReady(internal, !temporary && security == null);
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

  /**
   * The variables with which a process reaches a secured broker as {@code user}: {@code FLASHSALE_KAFKA_*} for
   * SASL/SCRAM (and TLS, trusting the broker's certificate); for a plain broker, none.
   */
  public Map<String, String> clientEnvironment(String user, String password) {
    if (security == null) {
      return Map.of();
    }
    Map<String, String> env = new TreeMap<>();
    env.put("FLASHSALE_KAFKA_SECURITY_PROTOCOL", security.protocol());
    env.put("FLASHSALE_KAFKA_SASL_MECHANISM", SCRAM_MECHANISM);
    env.put("FLASHSALE_KAFKA_SASL_JAAS_CONFIG", "org.apache.kafka.common.security.scram.ScramLoginModule required "
        + "username=\"" + user + "\" password=\"" + password + "\";");
    if (security.tls() != null) {
      env.put("FLASHSALE_KAFKA_SSL_TRUSTSTORE_LOCATION", security.tls().trustStore().toString());
      env.put("FLASHSALE_KAFKA_SSL_TRUSTSTORE_PASSWORD", security.tls().password());
      env.put("FLASHSALE_KAFKA_SSL_TRUSTSTORE_TYPE", "PKCS12");
    }
    return env;
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
      props.store(out, "Written on every start");
    }
  }

  /**
   * Clients on a SASL listener of their own; the broker's own traffic (inter-broker, and the readiness check) on the
   * plain one, which is not advertised to clients that come through the secured one.
   */
  private static void secure(Properties props, int internalPort, int clientPort, int controllerPort, Security security) {
    String listener = "listener.name." + CLIENT_LISTENER.toLowerCase(Locale.ROOT) + ".";
    props.put("listeners", INTERNAL_LISTENER + "://" + HOST + ":" + internalPort + "," + CLIENT_LISTENER + "://" + HOST
        + ":" + clientPort + ",CONTROLLER://" + HOST + ":" + controllerPort);
    props.put("advertised.listeners", INTERNAL_LISTENER + "://" + HOST + ":" + internalPort + "," + CLIENT_LISTENER
        + "://" + HOST + ":" + clientPort);
    props.put("inter.broker.listener.name", INTERNAL_LISTENER);
    props.put("listener.security.protocol.map", INTERNAL_LISTENER + ":PLAINTEXT," + CLIENT_LISTENER + ":"
        + security.protocol() + ",CONTROLLER:PLAINTEXT");
    props.put("sasl.enabled.mechanisms", SCRAM_MECHANISM);
    props.put(listener + SCRAM_MECHANISM.toLowerCase(Locale.ROOT) + ".sasl.jaas.config",
        "org.apache.kafka.common.security.scram.ScramLoginModule required;");
    if (security.tls() != null) {
      props.put(listener + "ssl.keystore.location", security.tls().keyStore().toString());
      props.put(listener + "ssl.keystore.password", security.tls().password());
      props.put(listener + "ssl.key.password", security.tls().password());
      props.put(listener + "ssl.keystore.type", "PKCS12");
    }
  }

  /** Formats a node's storage; every node of one cluster gets the same {@code clusterId}. */
  static void format(Path propsFile, String clusterId) {
    format(propsFile, clusterId, List.of());
  }

  /** The same, with more arguments of the storage tool ({@code --add-scram ...}). */
  private static void format(Path propsFile, String clusterId, List<String> more) {
    ByteArrayOutputStream output = new ByteArrayOutputStream();
    List<String> args = new ArrayList<>(List.of("format", "--cluster-id", clusterId, "--config", propsFile.toString()));
    args.addAll(more);
    int exitCode = StorageTool.execute(args.toArray(String[]::new), new PrintStream(output, true, StandardCharsets.UTF_8));
    if (exitCode != 0) {
      throw new IllegalStateException("Formatting the broker's storage failed (" + exitCode + "): "
          + output.toString(StandardCharsets.UTF_8));
    }
  }

  /**
   * Waits until the broker answers metadata calls (startup() returns before the controller unfenced it); on a broker
   * that keeps its data across starts, also until it runs unfenced with a leader for every partition, closing the
   * transactions a crash left open ({@link StrandedTransactions}) before any client starts.
   */
  private void awaitReady(String internal, boolean keptData) {
    try (Admin admin = Admin.create(Map.of(
        AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, internal,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis()))) {
      if (admin.describeCluster().nodes().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).isEmpty()) {
        throw new IllegalStateException("Broker at " + bootstrapServers + " reports no nodes");
      }
      if (keptData) {
        StrandedTransactions.close(admin, EmbeddedKafka::running, READY_TIMEOUT);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while waiting for the broker", e);
    } catch (Exception e) {
      throw new IllegalStateException("Broker at " + bootstrapServers + " did not become ready", e);
    }
  }

  private static final int BROKER_RUNNING = 3; // org.apache.kafka.metadata.BrokerState.RUNNING
  private static final String BROKER_STATE = "BrokerState";
  /** The broker's own metrics group (kafka.server:type=KafkaServer), where its state gauge lives. */
  private static final KafkaMetricsGroup BROKER_METRICS = new KafkaMetricsGroup("kafka.server", "KafkaServer");

  /**
   * Whether the broker runs as this start's incarnation: its BrokerState gauge (RUNNING, 3) once the controller
   * unfenced it. One broker per JVM where it matters (the local stack's); the gauge is not tagged by broker, so it is
   * the last started broker's.
   */
  private static boolean running() {
    try {
      Object state = ManagementFactory.getPlatformMBeanServer()
          .getAttribute(new ObjectName("kafka.server:type=KafkaServer,name=" + BROKER_STATE), "Value");
      return ((Number) state).intValue() == BROKER_RUNNING;
    } catch (JMException e) {
      return false;
    }
  }

  /**
   * The listener ports of one broker: the plain one (the clients' unless secured), the controller's, and a secured
   * broker's client listener (0 when plain).
   */
  record Ports(int broker, int controller, int client) {
    private static final String BROKER = "broker";
    private static final String CONTROLLER = "controller";
    private static final String CLIENT = "client";

    static Ports free(boolean secured) throws IOException {
      int[] free = freePorts(3);
      return new Ports(free[0], free[1], secured ? free[2] : 0);
    }

    /**
     * The ports kept in {@code file}, each checked free now; on first use (or a secured start of a broker first run
     * plain) free ones, written to the file before the broker binds them.
     */
    static Ports kept(Path file, boolean secured) throws IOException {
      Properties stored = new Properties();
      if (Files.exists(file)) {
        try (InputStream in = Files.newInputStream(file)) {
          stored.load(in);
        }
      }
      int[] free = freePorts(3); // one for each listener a first start may need, all distinct
      if (stored.isEmpty()) {
        stored.setProperty(BROKER, String.valueOf(free[0]));
        stored.setProperty(CONTROLLER, String.valueOf(free[1]));
      } else {
        requireFree(file, "listener", Integer.parseInt(stored.getProperty(BROKER)));
        requireFree(file, "controller", Integer.parseInt(stored.getProperty(CONTROLLER)));
      }
      if (secured && stored.getProperty(CLIENT) == null) {
        // Not the kept ports, free as they are until the broker binds them.
        stored.setProperty(CLIENT, String.valueOf(Arrays.stream(free).filter(port -> !stored.containsValue(
            String.valueOf(port))).findFirst().orElseThrow()));
      } else if (secured) {
        requireFree(file, "client listener", Integer.parseInt(stored.getProperty(CLIENT)));
      }
      try (OutputStream out = Files.newOutputStream(file)) {
        stored.store(out, "The broker's ports, kept across restarts on this data directory: its log may hold open"
            + " transactions whose markers go to this address");
      }
      return new Ports(Integer.parseInt(stored.getProperty(BROKER)), Integer.parseInt(stored.getProperty(CONTROLLER)),
          secured ? Integer.parseInt(stored.getProperty(CLIENT)) : 0);
    }

    private static void requireFree(Path file, String listener, int port) {
      try (ServerSocket socket = new ServerSocket()) {
        socket.setReuseAddress(true); // as the broker binds it: connections of the killed run in TIME_WAIT are no hold
        socket.bind(new InetSocketAddress(InetAddress.getByName(HOST), port), 1);
      } catch (IOException taken) {
        throw new IllegalStateException("The Kafka broker's " + listener + " port " + HOST + ":" + port
            + " is taken by another process. The broker of " + file.getParent() + " keeps the ports of its first"
            + " start (" + file + "), as a log stopped in the middle of transactions ends them at that address. Stop"
            + " the process on port " + port + " (another stack on the same data?), or, only if the broker was last"
            + " stopped cleanly, delete " + file + " to take new free ports.", taken);
      }
    }
  }

  /**
   * {@code count} distinct free ports: every socket stays open until all are taken. Taken one after another, the
   * system handed the port it had just freed out again (seen: a broker and its controller given the same port, which
   * the broker refuses).
   */
  static int[] freePorts(int count) throws IOException {
    List<ServerSocket> sockets = new ArrayList<>();
    try {
      for (int i = 0; i < count; i++) {
        sockets.add(new ServerSocket(0, 1, InetAddress.getByName(HOST)));
      }
      return sockets.stream().mapToInt(ServerSocket::getLocalPort).toArray();
    } finally {
      for (ServerSocket socket : sockets) {
        socket.close();
      }
    }
  }
}
