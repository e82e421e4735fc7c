package io.flashsale.reconciliation.sink;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.embedded.PostgresServer;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.sink.BatchWriter.Batch;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.testing.Sales;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.MockConsumer;
import org.apache.kafka.common.TopicPartition;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;
import org.postgresql.PGConnection;
import org.postgresql.copy.CopyManager;

/**
 * How many outcomes a second the sink writes into PostgreSQL: the sink's own poll writing ({@link PollWriter}, as
 * every poll) fed polls of {@code FLASHSALE_SINK_MAX_POLL_RECORDS} records of a flash sale's outcomes (holds, then
 * payments and expiries, numbered per sale, keyed by request over eight partitions), without a broker. The records
 * are encoded before the clock starts, and a warm-up run goes first. Not a test: run it with
 * {@code java -cp <test classpath> io.flashsale.reconciliation.sink.SinkThroughput [outcomes] [poll size] [runs]}.
 *
 * <p>Each run writes into a fresh database and is followed, as the same run's yardstick, by PostgreSQL's own bulk
 * load of the rows the sink wrote ({@code COPY} of its {@code order_events} and {@code orders} into a fresh database
 * with the same schema, in one transaction): what the database takes at best on this machine at this moment. The
 * CPU the sink's JVM and the database's backends spent is read per run (the backends from {@code /proc}, where the
 * server is local), and with {@code pg_stat_statements} loaded the sink's statements are listed by time spent.
 *
 * <p>The embedded PostgreSQL by default; {@code FLASHSALE_SINK_THROUGHPUT_POSTGRES} names another server (a JDBC
 * URL of its {@code postgres} database; user and password from {@code FLASHSALE_DATABASE_USER} and {@code
 * _PASSWORD}, default postgres), e.g. one with {@code synchronous_commit=on}, as production has it.
 */
public final class SinkThroughput {
  private static final int PARTITIONS = 8;
  private static final int SALES = 10;
  private static final Instant OPENING = Instant.parse("2026-11-20T10:00:00Z");

  /** One run's figures. */
  private record Run(long outcomes, double seconds, double ceilingSeconds, double sinkCpu, double sinkThreadCpu,
                     double databaseCpu, List<String> statements) {
    double perSecond() {
      return outcomes / seconds;
    }

    double ceilingPerSecond() {
      return outcomes / ceilingSeconds;
    }
  }

  public static void main(String[] args) throws Exception {
    int outcomes = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
    int pollSize = args.length > 1 ? Integer.parseInt(args[1]) : SinkConfig.DEFAULT_SINK_MAX_POLL_RECORDS;
    int runs = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    PostgresServer server = server();
    Topics topics = Topics.using(SchemaRegistry.forUrl("mock://sink-throughput"));
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = log(topics, outcomes);

    // A sink runs for days: a first run, not counted, lets the JIT compile the path (the first of three cold runs of
    // 100,000 spent 16 s of CPU against 7 s for the third).
    Run warmUp = run(server, topics, log(topics, Math.min(outcomes, 50_000)), pollSize);
    System.out.printf("warm-up: %,.0f outcomes/s (not counted)%n", warmUp.perSecond());
    List<Run> done = new ArrayList<>();
    for (int r = 1; r <= runs; r++) {
      Run run = run(server, topics, log, pollSize);
      done.add(run);
      System.out.printf("run %d: sink %,.0f outcomes/s (%,d in %.2f s; CPU: sink JVM %.2f s, of which its writing thread %.2f s;"
              + " PostgreSQL %.2f s); COPY of the same rows %,.0f outcomes/s (%.2f s)%n", r, run.perSecond(), run.outcomes(),
          run.seconds(), run.sinkCpu(), run.sinkThreadCpu(), run.databaseCpu(), run.ceilingPerSecond(), run.ceilingSeconds());
      run.statements().forEach(line -> System.out.println("    " + line));
    }
    List<Double> sink = done.stream().map(Run::perSecond).sorted().toList();
    List<Double> ceiling = done.stream().map(Run::ceilingPerSecond).sorted().toList();
    System.out.printf("sink: median %,.0f outcomes/s (%,.0f to %,.0f over %d runs, polls of %d, %,d outcomes);"
            + " COPY ceiling median %,.0f (%,.0f to %,.0f); load average %s%n", median(sink), sink.get(0),
        sink.get(sink.size() - 1), runs, pollSize, outcomes, median(ceiling), ceiling.get(0),
        ceiling.get(ceiling.size() - 1), loadAverage());
    System.exit(0);
  }

  private static Run run(PostgresServer server, Topics topics, Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log,
                         int pollSize) throws Exception {
    Books books = migrated(Books.fresh(server));
    String database = books.url.substring(books.url.lastIndexOf('/') + 1);
    // Pooled connections, as the sink has them (SinkConfig.poolConfig): a connection per poll would time its login.
    HikariConfig config = new HikariConfig();
    config.setJdbcUrl(books.url);
    config.setUsername(books.user);
    config.setPassword(books.password);
    config.setMaximumPoolSize(SinkConfig.DEFAULT_DATABASE_POOL_SIZE);
    try (HikariDataSource pool = new HikariDataSource(config)) {
      Jdbi jdbi = Jdbi.create(pool).installPlugin(new SqlObjectPlugin());
      boolean statements = resetStatements(jdbi);
      jdbi.useHandle(h -> h.execute("SELECT 1")); // the pool's first connection opened before the clock starts

      MockConsumer<byte[], byte[]> consumer = new MockConsumer<>("earliest");
      consumer.assign(log.keySet());
      Map<TopicPartition, Long> ends = new HashMap<>();
      log.forEach((tp, records) -> ends.put(tp, (long) records.size()));
      consumer.updateEndOffsets(ends);
      Map<TopicPartition, Long> next = new HashMap<>();
      log.keySet().forEach(tp -> next.put(tp, 0L));
      SinkPositions positions = new SinkPositions("throughput");
      PollWriter writer = new PollWriter(jdbi, new BatchWriter("throughput", new RecordDecoder(topics), positions,
          consumer, List.of(new TopicPartition(Topics.SALES, 0))), positions);

      long written = 0;
      double databaseCpuBefore = backendCpuSeconds(database);
      long sinkCpuBefore = processCpuNanos();
      long threadCpuBefore = ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime();
      long started = System.nanoTime();
      while (next.entrySet().stream().anyMatch(e -> e.getValue() < ends.get(e.getKey()))) {
        // As a caught-up consumer returns them: up to a poll's worth, a run from each partition in turn.
        Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> polled = new LinkedHashMap<>();
        int room = pollSize;
        int perPartition = Math.max(1, pollSize / log.size());
        for (TopicPartition tp : log.keySet()) {
          int from = next.get(tp).intValue();
          int take = (int) Math.min(Math.min(perPartition, room), ends.get(tp) - from);
          if (take > 0) {
            polled.put(tp, log.get(tp).subList(from, from + take));
            room -= take;
          }
        }
        polled.forEach((tp, taken) -> consumer.seek(tp, next.get(tp) + taken.size()));
        Batch batch = writer.write(new ConsumerRecords<>(polled, Map.of()));
        polled.forEach((tp, taken) -> next.put(tp, batch.heldAt().getOrDefault(tp, next.get(tp) + taken.size())));
        written += batch.count();
      }
      double seconds = (System.nanoTime() - started) / 1e9;
      double sinkCpu = (processCpuNanos() - sinkCpuBefore) / 1e9;
      double threadCpu = (ManagementFactory.getThreadMXBean().getCurrentThreadCpuTime() - threadCpuBefore) / 1e9;
      double databaseCpu = backendCpuSeconds(database) - databaseCpuBefore;
      List<String> top = statements ? topStatements(jdbi, seconds) : List.of();
      long events = jdbi.withHandle(h -> h.createQuery("SELECT count(*) FROM order_events").mapTo(Long.class).one());
      if (events != written - SALES) {
        throw new IllegalStateException("The sink wrote " + events + " history rows for " + (written - SALES) + " outcomes");
      }
      double ceiling = copyCeiling(server, books);
      return new Run(written - SALES, seconds, ceiling, sinkCpu, threadCpu, databaseCpu, top);
    }
  }

  /**
   * PostgreSQL's own bulk load of the rows the sink wrote: the sink's sales, orders and history read out with
   * {@code COPY ... TO}, then timed into a fresh database of the same schema with {@code COPY ... FROM} (orders and
   * history in one transaction; the ten sales before the clock). Seconds.
   */
  private static double copyCeiling(PostgresServer server, Books from) throws SQLException, IOException {
    byte[] sales;
    byte[] orders;
    byte[] events;
    try (Connection source = DriverManager.getConnection(from.url, from.user, from.password)) {
      CopyManager copy = source.unwrap(PGConnection.class).getCopyAPI();
      sales = copyOut(copy, "sales");
      orders = copyOut(copy, "orders");
      events = copyOut(copy, "order_events");
    }
    Books target = migrated(Books.fresh(server));
    try (Connection connection = DriverManager.getConnection(target.url, target.user, target.password)) {
      CopyManager copy = connection.unwrap(PGConnection.class).getCopyAPI();
      copy.copyIn("COPY sales FROM STDIN", new ByteArrayInputStream(sales));
      connection.setAutoCommit(false);
      long started = System.nanoTime();
      copy.copyIn("COPY order_events FROM STDIN", new ByteArrayInputStream(events));
      copy.copyIn("COPY orders FROM STDIN", new ByteArrayInputStream(orders));
      connection.commit();
      return (System.nanoTime() - started) / 1e9;
    }
  }

  private static byte[] copyOut(CopyManager copy, String table) throws SQLException, IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    copy.copyOut("COPY " + table + " TO STDOUT", out);
    return out.toByteArray();
  }

  /** Starts counting statements afresh; false if pg_stat_statements is not loaded in the server. */
  private static boolean resetStatements(Jdbi jdbi) {
    try {
      jdbi.useHandle(h -> {
        h.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        h.execute("SELECT pg_stat_statements_reset()");
      });
      return true;
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** The statements of this database by time spent in the server, as a share of the run's wall time. */
  private static List<String> topStatements(Jdbi jdbi, double seconds) {
    return jdbi.withHandle(h -> h.createQuery("""
            SELECT calls, total_exec_time, rows, regexp_replace(left(query, 90), '\\s+', ' ', 'g') AS query
            FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
            ORDER BY total_exec_time DESC LIMIT 8""")
        .map((rs, ctx) -> String.format("%5.1f %% %,9.0f ms %,7d calls %,9d rows  %s",
            rs.getDouble("total_exec_time") / 10 / seconds, rs.getDouble("total_exec_time"), rs.getLong("calls"),
            rs.getLong("rows"), rs.getString("query")))
        .list());
  }

  /** The log: ten sales, then per sale its holds, then payments and expiries, keyed by request over the partitions. */
  private static Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log(Topics topics, int outcomes) {
    Map<TopicPartition, List<ConsumerRecord<byte[], byte[]>>> log = new LinkedHashMap<>();
    List<ConsumerRecord<byte[], byte[]>> sales = new ArrayList<>();
    for (int s = 0; s < SALES; s++) {
      Sale sale = Sales.opening("tp-" + s, "sku-tp-" + s, outcomes, 100, OPENING).setName("Throughput " + s)
          .setPriceCents(500).setCurrency("EUR").build();
      sales.add(new ConsumerRecord<>(Topics.SALES, 0, s, sale.getSku().getBytes(StandardCharsets.UTF_8),
          topics.sales.valueSerde().serializer().serialize(Topics.SALES, sale)));
    }
    log.put(new TopicPartition(Topics.SALES, 0), sales);
    for (int p = 0; p < PARTITIONS; p++) {
      log.put(new TopicPartition(Topics.PURCHASE_OUTCOMES, p), new ArrayList<>());
    }
    long[] sequence = new long[SALES];
    int requests = outcomes / 2;
    for (int n = 0; n < outcomes; n++) {
      int request = n % requests;
      int s = request % SALES;
      String requestId = "tp-req-" + request;
      OutcomeStatus status = n < requests ? OutcomeStatus.ACCEPTED
          : request % 3 == 0 ? OutcomeStatus.EXPIRED : OutcomeStatus.CONFIRMED;
      PurchaseOutcome.Builder o = PurchaseOutcome.newBuilder().setRequestId(requestId).setSaleId("tp-" + s)
          .setSku("sku-tp-" + s).setUserId("user-" + request).setQuantity(1).setStatus(status)
          .setDecidedAt(OPENING.plusMillis(n)).setRequestPartition(0).setRequestOffset(request)
          .setSaleSequence(++sequence[s]);
      if (status == OutcomeStatus.ACCEPTED) {
        o.setHoldExpiresAt(OPENING.plusSeconds(60));
      } else if (status == OutcomeStatus.CONFIRMED) {
        o.setPaymentId("pay-" + requestId).setAmountCents(500L).setCurrency("EUR");
      }
      TopicPartition tp = new TopicPartition(Topics.PURCHASE_OUTCOMES, Math.floorMod(requestId.hashCode(), PARTITIONS));
      List<ConsumerRecord<byte[], byte[]>> records = log.get(tp);
      records.add(new ConsumerRecord<>(tp.topic(), tp.partition(), records.size(),
          requestId.getBytes(StandardCharsets.UTF_8),
          topics.purchaseOutcomes.valueSerde().serializer().serialize(tp.topic(), o.build())));
    }
    return log;
  }

  private static PostgresServer server() {
    String url = System.getenv("FLASHSALE_SINK_THROUGHPUT_POSTGRES");
    if (url == null || url.isBlank()) {
      return TestInfrastructure.postgres();
    }
    String user = System.getenv().getOrDefault("FLASHSALE_DATABASE_USER", "postgres");
    String password = System.getenv().getOrDefault("FLASHSALE_DATABASE_PASSWORD", "postgres");
    String base = url.substring(0, url.lastIndexOf('/') + 1);
    return new PostgresServer() {
      @Override
      public String jdbcUrl() {
        return url;
      }

      @Override
      public String jdbcUrl(String database) {
        return base + database;
      }

      @Override
      public String user() {
        return user;
      }

      @Override
      public String password() {
        return password;
      }

      @Override
      public String createDatabase(String name) {
        try (Connection connection = DriverManager.getConnection(url, user, password);
            Statement statement = connection.createStatement()) {
          statement.execute("CREATE DATABASE " + name);
          return jdbcUrl(name);
        } catch (SQLException e) {
          throw new IllegalStateException("Could not create database " + name, e);
        }
      }

      @Override
      public void close() {}
    };
  }

  private static Books migrated(Books books) {
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    return books;
  }

  private static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  /** User and system CPU seconds of the local server's backends serving {@code database} (0 where not readable). */
  private static double backendCpuSeconds(String database) {
    long ticks = 0;
    try (Stream<Path> processes = Files.list(Path.of("/proc"))) {
      for (Path process : processes.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
        try {
          String command = Files.readString(process.resolve("cmdline")).replace('\0', ' ');
          if (command.startsWith("postgres: ") && command.contains(" " + database + " ")) {
            String stat = Files.readString(process.resolve("stat"));
            String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            ticks += Long.parseLong(fields[11]) + Long.parseLong(fields[12]); // utime, stime
          }
        } catch (IOException | RuntimeException e) {
          // gone meanwhile, or not ours to read
        }
      }
    } catch (IOException e) {
      return 0;
    }
    return ticks / 100.0; // USER_HZ
  }

  private static String loadAverage() {
    try {
      String[] load = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return load[0] + " " + load[1] + " " + load[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static double median(List<Double> sorted) {
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }
}
