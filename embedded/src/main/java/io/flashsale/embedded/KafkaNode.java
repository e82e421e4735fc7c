package io.flashsale.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.common.utils.Time;

/**
 * One node of an {@link EmbeddedKafkaCluster} in its own JVM: starts {@code KafkaRaftServer} from a formatted
 * node's server.properties (the only argument). Three nodes in one JVM do not work (the raft client of one
 * JVM's test kit fails on UpdateVoter), three JVMs with static voters do, and a SIGKILL of one is a real crash.
 */
public final class KafkaNode {
  /** Printed once the server started; the node is serving once the cluster lists it. */
  public static final String READY_LINE = "flashsale kafka node started";

  private KafkaNode() {}

  public static void main(String[] args) throws IOException {
    Properties props = new Properties();
    try (InputStream in = Files.newInputStream(Path.of(args[0]))) {
      props.load(in);
    }
    // A node outlives nothing that started it: if the test JVM dies, so does its cluster.
    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> Runtime.getRuntime().halt(1)));
    KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(props, false), Time.SYSTEM);
    server.startup();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      server.shutdown();
      server.awaitShutdown();
    }, "kafka-node-shutdown"));
    System.out.println(READY_LINE + ": node " + props.getProperty("node.id"));
    server.awaitShutdown();
  }
}
