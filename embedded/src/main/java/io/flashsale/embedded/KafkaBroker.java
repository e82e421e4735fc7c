package io.flashsale.embedded;

/** A Kafka broker a test talks to: the in-JVM one ({@link EmbeddedKafka}) or a container ({@link TestInfrastructure}). */
public interface KafkaBroker extends AutoCloseable {
  String bootstrapServers();

  @Override
  void close();
}
