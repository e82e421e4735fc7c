package io.flashsale.embedded;

import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where tests get their Kafka broker and PostgreSQL: Testcontainers' containers of the images docker-compose.yml runs when
 * a Docker engine answers, the in-JVM broker and embedded PostgreSQL otherwise. {@code FLASHSALE_TEST_DOCKER} = {@code auto}
 * (the default), {@code always} (fail without Docker) or {@code never}. The choice is made once per JVM and printed.
 *
 * <p>Tests that need what only the in-JVM parts can do (several nodes, a node killed, a restart on the same data directory
 * or port) use {@link EmbeddedKafka}, {@link EmbeddedKafkaCluster} and {@link EmbeddedPostgres} themselves.
 */
public final class TestInfrastructure {
  private static final Logger log = LoggerFactory.getLogger(TestInfrastructure.class);
  public static final String OVERRIDE = "FLASHSALE_TEST_DOCKER";
  /** The images of docker-compose.yml. */
  public static final String KAFKA_IMAGE = "apache/kafka:4.4.0";
  public static final String POSTGRES_IMAGE = "postgres:17";

  /** The value of FLASHSALE_TEST_DOCKER. */
  public enum Mode {
    AUTO, ALWAYS, NEVER;

    /** Unset or blank is {@link #AUTO}. */
    public static Mode parse(String value) {
      if (value == null || value.isBlank()) {
        return AUTO;
      }
      try {
        return valueOf(value.trim().toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(OVERRIDE + " must be auto, always or never, was '" + value + "'");
      }
    }
  }

  /** What the tests of this JVM run against. */
  public enum Choice {
    CONTAINERS("Docker available: using Testcontainers " + KAFKA_IMAGE + " and " + POSTGRES_IMAGE),
    IN_JVM("Docker not available: using the in-JVM Kafka broker and embedded PostgreSQL");

    private final String line;

    Choice(String line) {
      this.line = line;
    }

    /** The line printed when the choice is made. */
    public String line() {
      return line;
    }
  }

  private static Choice choice;
  private static KafkaBroker sharedKafka;
  private static PostgresServer sharedPostgres;

  private TestInfrastructure() {}

  /** The choice for this mode; {@code docker} is asked only in {@link Mode#AUTO} and {@link Mode#ALWAYS}. */
  public static Choice choose(Mode mode, BooleanSupplier docker) {
    return switch (mode) {
      case NEVER -> Choice.IN_JVM;
      case AUTO -> docker.getAsBoolean() ? Choice.CONTAINERS : Choice.IN_JVM;
      case ALWAYS -> {
        if (!docker.getAsBoolean()) {
          throw new IllegalStateException(OVERRIDE + "=always, but no Docker engine answers");
        }
        yield Choice.CONTAINERS;
      }
    };
  }

  /** This JVM's choice, made on first use from FLASHSALE_TEST_DOCKER and whether a Docker engine answers. */
  public static synchronized Choice choice() {
    if (choice == null) {
      long started = System.nanoTime();
      Mode mode = Mode.parse(System.getenv(OVERRIDE));
      choice = choose(mode, DockerProbe::dockerAnswers);
      log.info("{} ({}={}, decided in {} ms)", choice.line(), OVERRIDE, mode.name().toLowerCase(Locale.ROOT),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
    }
    return choice;
  }

  /** Whether a Docker engine answers, asked quickly (see {@link DockerProbe}); for tests that need one. */
  public static boolean dockerAvailable() {
    return DockerProbe.dockerAnswers();
  }

  /** One broker for all tests of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized KafkaBroker kafka() {
    if (sharedKafka == null) {
      if (choice() == Choice.IN_JVM) {
        sharedKafka = EmbeddedKafka.shared();
      } else {
        KafkaBroker kafka = Containers.kafka();
        Runtime.getRuntime().addShutdownHook(new Thread(kafka::close, "kafka-container-shutdown"));
        sharedKafka = kafka;
      }
    }
    return sharedKafka;
  }

  /** A broker of the caller's own, which the caller closes. */
  public static KafkaBroker newKafka() {
    return choice() == Choice.IN_JVM ? EmbeddedKafka.start(null) : Containers.kafka();
  }

  /** A Kafka container of the caller's own, whatever the choice; for tests of the containers themselves. */
  public static KafkaBroker kafkaContainer() {
    return Containers.kafka();
  }

  /** A PostgreSQL container of the caller's own, whatever the choice; for tests of the containers themselves. */
  public static PostgresServer postgresContainer() {
    return Containers.postgres();
  }

  /** One PostgreSQL for all tests of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized PostgresServer postgres() {
    if (sharedPostgres == null) {
      if (choice() == Choice.IN_JVM) {
        sharedPostgres = EmbeddedPostgres.shared();
      } else {
        PostgresServer postgres = Containers.postgres();
        Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "postgres-container-shutdown"));
        sharedPostgres = postgres;
      }
    }
    return sharedPostgres;
  }
}
