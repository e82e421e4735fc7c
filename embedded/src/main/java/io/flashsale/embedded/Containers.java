package io.flashsale.embedded;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.regex.Pattern;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.postgresql.PostgreSQLContainer;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/** The broker and the database as Testcontainers runs them; the only class that touches Testcontainers. */
final class Containers {
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");
  private static final String USER = "postgres";
  private static final String PASSWORD = "postgres";

  private Containers() {}

  static boolean dockerAvailable() {
    return DockerClientFactory.instance().isDockerAvailable();
  }

  /** A single-node KRaft broker with the in-JVM broker's settings, so that tests meet the same broker either way. */
  static KafkaBroker kafka() {
    KafkaContainer container = new KafkaContainer(DockerImageName.parse(TestInfrastructure.KAFKA_IMAGE));
    EmbeddedKafka.SINGLE_NODE.forEach((key, value) ->
        container.withEnv("KAFKA_" + key.toUpperCase(Locale.ROOT).replace('.', '_'), value));
    container.start();
    return new ContainerKafka(container);
  }

  static PostgresServer postgres() {
    PostgreSQLContainer container = new PostgreSQLContainer(DockerImageName.parse(TestInfrastructure.POSTGRES_IMAGE))
        .withDatabaseName(USER).withUsername(USER).withPassword(PASSWORD);
    container.start();
    return new ContainerPostgres(container);
  }

  private record ContainerKafka(KafkaContainer container) implements KafkaBroker {
    @Override
    public String bootstrapServers() {
      // host:port, as the in-JVM broker gives it: some callers pass it on to child JVMs' FLASHSALE_BOOTSTRAP_SERVERS.
      return container.getBootstrapServers().replaceFirst("^[A-Z_]+://", "");
    }

    @Override
    public void close() {
      container.stop();
    }
  }

  private record ContainerPostgres(PostgreSQLContainer container) implements PostgresServer {
    @Override
    public String jdbcUrl() {
      return jdbcUrl(USER);
    }

    @Override
    public String jdbcUrl(String database) {
      return "jdbc:postgresql://" + container.getHost() + ":" + container.getMappedPort(PostgreSQLContainer.POSTGRESQL_PORT)
          + "/" + database;
    }

    @Override
    public String user() {
      return USER;
    }

    @Override
    public String password() {
      return PASSWORD;
    }

    @Override
    public String createDatabase(String name) {
      if (!DATABASE_NAME.matcher(name).matches()) {
        throw new IllegalArgumentException("Not a plain database name: " + name);
      }
      try (Connection connection = DriverManager.getConnection(jdbcUrl(), USER, PASSWORD);
          Statement statement = connection.createStatement()) {
        statement.execute("CREATE DATABASE " + name);
        return jdbcUrl(name);
      } catch (SQLException e) {
        throw new IllegalStateException("Could not create database " + name, e);
      }
    }

    @Override
    public void close() {
      container.stop();
    }
  }
}
