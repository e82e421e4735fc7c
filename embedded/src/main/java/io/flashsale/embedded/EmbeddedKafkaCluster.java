package io.flashsale.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real Kafka cluster on this machine: {@code size} KRaft nodes, each broker and controller at once, each in
 * its own child JVM ({@link KafkaNode}) with a static voter set, so that a test can SIGKILL one node and start it
 * again on the same ports and data. Internal topics have replication 3 and min ISR 2, like a production cluster.
 */
public final class EmbeddedKafkaCluster implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedKafkaCluster.class);
  // Three JVMs starting at once on two cores, beside whatever else runs: seen from 8 s to over a minute.
  private static final Duration READY_TIMEOUT = Duration.ofMinutes(3);
  private static final Duration POLL = Duration.ofMillis(200);
  /**
   * Settings of every node. The controller fences a broker that stopped heartbeating after
   * {@code broker.session.timeout.ms} (default 9 s) and only then moves its leaderships and shrinks the ISRs
   * it was in: 3 s keeps a test's failover short and still tolerates a busy 2-core machine. The cleaner buffer
   * and rebalance delay are as small as for {@link EmbeddedKafka}; few threads, for three JVMs on two cores.
   */
  private static final Map<String, String> CLUSTER = Map.ofEntries(
      Map.entry("num.partitions", "8"),
      Map.entry("default.replication.factor", "3"),
      Map.entry("min.insync.replicas", "2"),
      Map.entry("auto.create.topics.enable", "false"),
      Map.entry("unclean.leader.election.enable", "false"),
      Map.entry("offsets.topic.replication.factor", "3"),
      Map.entry("offsets.topic.num.partitions", "5"),
      Map.entry("transaction.state.log.replication.factor", "3"),
      Map.entry("transaction.state.log.min.isr", "2"),
      Map.entry("transaction.state.log.num.partitions", "5"),
      Map.entry("share.coordinator.state.topic.replication.factor", "3"),
      Map.entry("share.coordinator.state.topic.min.isr", "2"),
      Map.entry("group.initial.rebalance.delay.ms", "0"),
      Map.entry("broker.session.timeout.ms", "3000"),
      Map.entry("broker.heartbeat.interval.ms", "500"),
      Map.entry("num.network.threads", "2"),
      Map.entry("num.io.threads", "4"),
      Map.entry("background.threads", "4"),
      Map.entry("log.cleaner.dedupe.buffer.size", String.valueOf(8 * 1024 * 1024)));
  /**
   * A small heap is plenty for a test broker; the serial collector, the client compiler only (start-up matters
   * more than peak speed here) and quiet logs keep three JVMs light on a 2-core machine.
   */
  private static final List<String> JVM_OPTIONS = List.of("-Xmx384m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1",
      "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
      // Every client of a node warns on each reconnect to a node that is down, which a test does on purpose.
      "-Dorg.slf4j.simpleLogger.log.org.apache.kafka.clients.NetworkClient=error");

  private record NodeFiles(int id, Path propsFile, String address) {}

  private final Path dir;
  private final Map<Integer, NodeFiles> nodes;
  private final Map<Integer, ChildJvm> running = new TreeMap<>();
  private final String bootstrapServers;
  private final Admin admin;
  private boolean closed;

  private EmbeddedKafkaCluster(Path dir, Map<Integer, NodeFiles> nodes) {
    this.dir = dir;
    this.nodes = nodes;
    this.bootstrapServers = nodes.values().stream().map(NodeFiles::address).collect(Collectors.joining(","));
    this.admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
        AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) READY_TIMEOUT.toMillis()));
  }

  /** Formats {@code size} nodes in a temporary directory, starts them together and returns once all serve. */
  public static EmbeddedKafkaCluster start(int size) {
    long started = System.nanoTime();
    Path dir;
    Map<Integer, NodeFiles> nodes = new TreeMap<>();
    try {
      dir = Files.createTempDirectory("flashsale-kafka-cluster-");
      Map<Integer, int[]> ports = new TreeMap<>(); // node id -> {broker, controller}, fixed for the cluster's life
      int[] free = EmbeddedKafka.freePorts(2 * size);
      for (int id = 1; id <= size; id++) {
        ports.put(id, new int[] {free[2 * id - 2], free[2 * id - 1]});
      }
      String voters = ports.entrySet().stream()
          .map(e -> e.getKey() + "@" + EmbeddedKafka.HOST + ":" + e.getValue()[1])
          .collect(Collectors.joining(","));
      String clusterId = Uuid.randomUuid().toString();
      for (var entry : ports.entrySet()) {
        int id = entry.getKey();
        Path nodeDir = Files.createDirectories(dir.resolve("node-" + id));
        Path propsFile = nodeDir.resolve("server.properties");
        EmbeddedKafka.write(EmbeddedKafka.serverProperties(id, nodeDir.resolve("logs"), entry.getValue()[0],
            entry.getValue()[1], voters, CLUSTER), propsFile);
        EmbeddedKafka.format(propsFile, clusterId);
        nodes.put(id, new NodeFiles(id, propsFile, EmbeddedKafka.HOST + ":" + entry.getValue()[0]));
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not prepare the cluster's directories", e);
    }
    long formatted = System.nanoTime();
    EmbeddedKafkaCluster cluster = new EmbeddedKafkaCluster(dir, nodes);
    Runtime.getRuntime().addShutdownHook(new Thread(cluster::close, "kafka-cluster-shutdown"));
    try {
      // Together: no node gets ready before a majority of the voters runs.
      for (int id : nodes.keySet()) {
        cluster.launch(id);
      }
      for (ChildJvm node : cluster.running.values()) {
        node.awaitReady(READY_TIMEOUT);
      }
      cluster.awaitBrokers(nodes.keySet());
    } catch (IOException | RuntimeException e) {
      cluster.close();
      throw new IllegalStateException("The Kafka cluster did not start", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      cluster.close();
      throw new IllegalStateException("Interrupted while starting the Kafka cluster", e);
    }
    log.info("Kafka cluster of {} nodes ready at {} in {} ms (storage formatted in {} ms)", size,
        cluster.bootstrapServers, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started),
        TimeUnit.NANOSECONDS.toMillis(formatted - started));
    return cluster;
  }

  /** Every node's address, so that clients bootstrap while any one is down. */
  public String bootstrapServers() {
    return bootstrapServers;
  }

  public Set<Integer> nodeIds() {
    return nodes.keySet();
  }

  /** SIGKILL of one node: no controlled shutdown, nothing flushed; the others have to fence it and take over. */
  public synchronized void kill(int nodeId) throws InterruptedException {
    ChildJvm node = running.remove(nodeId);
    if (node == null) {
      throw new IllegalStateException("Node " + nodeId + " is not running");
    }
    node.crash();
  }

  /** Starts a killed node again on its ports and data; returns once the cluster lists it as a broker again. */
  public void restart(int nodeId) throws IOException, InterruptedException {
    launch(nodeId).awaitReady(READY_TIMEOUT);
    awaitBrokers(nodes.keySet());
  }

  /** The broker that leads this partition now, or -1 while it has none. */
  public int leaderOf(String topic, int partition) {
    Node leader = describe(List.of(topic)).get(topic).partitions().get(partition).leader();
    return leader == null ? -1 : leader.id();
  }

  /** Waits until every replica of every partition, internal topics too, is back in its ISR. */
  public void awaitFullyInSync(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<String> lagging = List.of();
    while (System.nanoTime() < deadline) {
      try {
        Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
        lagging = describe(topics).values().stream()
            .flatMap(t -> t.partitions().stream()
                .filter(p -> p.isr().size() < p.replicas().size())
                .map(p -> t.name() + "-" + p.partition()))
            .toList();
        if (lagging.isEmpty()) {
          return;
        }
      } catch (ExecutionException | RuntimeException e) {
        lagging = List.of(e.toString());
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException("Not in sync after " + timeout + ": " + lagging);
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    admin.close(Duration.ZERO);
    // The data is temporary: a clean shutdown of every node would only wait for controlled shutdowns.
    for (ChildJvm node : running.values()) {
      try {
        node.crash();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    running.clear();
    try {
      Utils.delete(dir.toFile());
    } catch (IOException e) {
      log.warn("Could not delete the cluster's directory {}", dir, e);
    }
  }

  private synchronized ChildJvm launch(int nodeId) throws IOException {
    if (running.containsKey(nodeId)) {
      throw new IllegalStateException("Node " + nodeId + " is running");
    }
    ChildJvm node = ChildJvm.launch(KafkaNode.class.getName(), JVM_OPTIONS, Map.of(), KafkaNode.READY_LINE,
        nodes.get(nodeId).propsFile().toString());
    running.put(nodeId, node);
    return node;
  }

  /** startup() returns before a broker is unfenced; the cluster lists only brokers that serve. */
  private void awaitBrokers(Collection<Integer> ids) throws InterruptedException {
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    Set<Integer> seen = Set.of();
    while (System.nanoTime() < deadline) {
      try {
        seen = admin.describeCluster().nodes().get(POLL.toMillis() * 10, TimeUnit.MILLISECONDS).stream()
            .map(Node::id).collect(Collectors.toSet());
        if (seen.containsAll(ids)) {
          return;
        }
      } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
        // not yet
      }
      Thread.sleep(POLL.toMillis());
    }
    throw new IllegalStateException("Brokers " + ids + " not all serving within " + READY_TIMEOUT + "; serving " + seen);
  }

  private Map<String, TopicDescription> describe(Collection<String> topics) {
    try {
      return admin.describeTopics(topics).allTopicNames().get(READY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Could not describe " + topics, e);
    }
  }

  /** The in-sync replicas of a partition: what acks=all waits for. */
  public List<Integer> inSyncReplicas(String topic, int partition) {
    TopicPartitionInfo info = describe(List.of(topic)).get(topic).partitions().get(partition);
    return info.isr().stream().map(Node::id).toList();
  }
}
