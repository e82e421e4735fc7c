package io.flashsale.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.embedded.EmbeddedPostgres;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;
import redis.clients.jedis.Jedis;

/**
 * The designs flash sales commonly run on today, fed the same data as the topology: one sale with stock for
 * a tenth of the requests, one request per buyer, quantity 1, and a pool of clients hammering it. Each
 * reports purchases decided per second: the median of {@code FLASHSALE_BENCH_BACKLOG_ROUNDS} runs after an
 * unmeasured warm-up run of a tenth of the size, on the same server, each run on fresh stock and holds, as the
 * topology's figures are, so that the ratios set medians of the same run side by side.
 */
final class Baselines {
  private static final String SALE_ID = "bench-hot-row";
  private static final Duration MAX_RUN = Duration.ofMinutes(10);

  private final BenchConfig config;
  private final BenchResults results;

  Baselines(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  void run() throws Exception {
    try {
      results.baselinePostgresHotRowRps = postgresHotRow();
    } catch (Exception e) {
      e.printStackTrace();
      results.note("PostgreSQL hot row skipped: " + e);
    }
    try {
      results.baselineRedisLuaRps = redisLua();
    } catch (Exception e) {
      e.printStackTrace();
      results.note("Redis Lua skipped: " + e);
    }
  }

  /** A warm-up run of a tenth, then the measured runs; their median, the runs and spread kept in details. */
  private double rounds(String key, Round round) throws Exception {
    int n = config.baselineRequests();
    round.run(Math.max(1_000, n / 10), false);
    List<Double> runs = new java.util.ArrayList<>();
    for (int r = 0; r < config.backlogRounds(); r++) {
      runs.add(round.run(n, true));
    }
    System.out.printf("  median of %d runs: %s%n", runs.size(), Spread.describe(runs));
    return Spread.put(results.details, key, runs);
  }

  /** One run of a baseline over {@code n} purchases; {@code measured} false for the warm-up. */
  private interface Round {
    double run(int n, boolean measured) throws Exception;
  }

  /**
   * One row per sale, decremented under its row lock by every purchase: UPDATE ... WHERE available >= $1,
   * and the hold inserted in the same transaction when the update took stock. synchronous_commit is off,
   * like the broker, which does not fsync each write either: the kindest setting for the baseline.
   */
  private double postgresHotRow() throws Exception {
    System.out.printf("%nBaseline: PostgreSQL hot row, %,d purchases, %d connections%n", config.baselineRequests(),
        config.baselineClients());
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(null); HikariDataSource pool = pool(postgres)) {
      try (Connection connection = pool.getConnection(); Statement ddl = connection.createStatement()) {
        ddl.execute("CREATE TABLE sale_stock (sale_id text PRIMARY KEY, available int NOT NULL CHECK (available >= 0))");
        ddl.execute("CREATE TABLE hold (request_id text PRIMARY KEY, sale_id text NOT NULL, user_id text NOT NULL,"
            + " quantity int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
        connection.commit();
      }
      return rounds("baseline_postgres_hot_row_rps", (n, measured) -> postgresHotRow(pool, n, measured));
    }
  }

  private double postgresHotRow(HikariDataSource pool, int n, boolean measured) throws Exception {
    try (Connection connection = pool.getConnection(); Statement reset = connection.createStatement()) {
      reset.execute("TRUNCATE hold");
      reset.execute("DELETE FROM sale_stock");
      reset.execute("INSERT INTO sale_stock VALUES ('" + SALE_ID + "', " + config.stockFor(n) + ")");
      connection.commit();
    }
    LongAdder held = new LongAdder();
    double rate = fixedCount("PostgreSQL hot row" + (measured ? "" : ", warm-up"),
        measured ? "baseline_postgres_hot_row" : null, n, i -> {
      try (Connection connection = pool.getConnection();
          PreparedStatement take = connection.prepareStatement(
              "UPDATE sale_stock SET available = available - ? WHERE sale_id = ? AND available >= ?");
          PreparedStatement hold = connection.prepareStatement(
              "INSERT INTO hold (request_id, sale_id, user_id, quantity) VALUES (?, ?, ?, ?)")) {
        take.setInt(1, 1);
        take.setString(2, SALE_ID);
        take.setInt(3, 1);
        if (take.executeUpdate() == 1) {
          hold.setString(1, "bench-request-" + i);
          hold.setString(2, SALE_ID);
          hold.setString(3, "bench-buyer-" + i);
          hold.setInt(4, 1);
          hold.executeUpdate();
          held.increment();
        }
        connection.commit();
      }
    });
    requireSoldExactly(held.sum(), config.stockFor(n), "PostgreSQL");
    return rate;
  }

  private HikariDataSource pool(EmbeddedPostgres postgres) {
    HikariConfig hikari = new HikariConfig();
    hikari.setJdbcUrl(postgres.jdbcUrl());
    hikari.setUsername(postgres.user());
    hikari.setPassword(postgres.password());
    hikari.setMaximumPoolSize(config.baselineClients());
    hikari.setAutoCommit(false);
    hikari.setConnectionInitSql("SET synchronous_commit = off");
    return new HikariDataSource(hikari);
  }

  /** Checks stock and decrements it and records the hold, atomically inside Redis. */
  private static final String TAKE_STOCK_LUA = """
      local available = tonumber(redis.call('GET', KEYS[1]))
      local quantity = tonumber(ARGV[1])
      if available == nil or available < quantity then return 0 end
      redis.call('DECRBY', KEYS[1], quantity)
      redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
      return 1
      """;

  private double redisLua() throws Exception {
    System.out.printf("%nBaseline: Redis Lua script, %,d purchases, %d connections%n", config.baselineRequests(),
        config.baselineClients());
    try (RedisServer redis = RedisServer.start()) {
      return rounds("baseline_redis_lua_rps", (n, measured) -> redisLua(redis, n, measured));
    }
  }

  private double redisLua(RedisServer redis, int n, boolean measured) throws Exception {
    String stockKey = "sale:" + SALE_ID + ":available";
    String holdsKey = "sale:" + SALE_ID + ":holds";
    String script;
    try (Jedis admin = redis.connect()) {
      admin.del(holdsKey);
      admin.set(stockKey, String.valueOf(config.stockFor(n)));
      script = admin.scriptLoad(TAKE_STOCK_LUA);
    }
    // One connection per caller thread, as a pool would hand out: Jedis connections are not thread-safe.
    Queue<Jedis> opened = new ConcurrentLinkedQueue<>();
    ThreadLocal<Jedis> connections = ThreadLocal.withInitial(() -> {
      Jedis jedis = redis.connect();
      opened.add(jedis);
      return jedis;
    });
    LongAdder held = new LongAdder();
    double rate = fixedCount("Redis Lua" + (measured ? "" : ", warm-up"), measured ? "baseline_redis_lua" : null, n,
        i -> {
      Object taken = connections.get().evalsha(script, List.of(stockKey, holdsKey),
          List.of("1", "bench-request-" + i, "bench-buyer-" + i + "|1"));
      if (Long.valueOf(1).equals(taken)) {
        held.increment();
      }
    });
    opened.forEach(Jedis::close);
    requireSoldExactly(held.sum(), config.stockFor(n), "Redis");
    return rate;
  }

  /** A purchase against a baseline; i numbers the buyer and the request. */
  private interface Purchase {
    void run(long i) throws Exception;
  }

  /** Sends n purchases from baselineClients threads as fast as they are answered; returns purchases/s. */
  private double fixedCount(String label, String scenario, int n, Purchase purchase) throws Exception {
    LoadGenerator.Run run;
    AtomicReference<Exception> firstFailure = new AtomicReference<>();
    try (ScenarioTicker progress = ScenarioTicker.start(label, n)) {
      run = LoadGenerator.closedLoop(config.baselineClients(), MAX_RUN, n, progress, i -> {
        try {
          purchase.run(i);
          return CompletableFuture.completedFuture(true);
        } catch (Exception e) {
          firstFailure.compareAndSet(null, e);
          return CompletableFuture.completedFuture(false);
        }
      });
    }
    if (run.failed() > 0 || run.succeeded() < n) {
      throw new IllegalStateException(label + ": " + run.succeeded() + " of " + n + " purchases succeeded",
          firstFailure.get());
    }
    if (scenario != null) { // the last measured run's latency
      results.latency.put(scenario, Latency.of(run.latencyMicros()));
    }
    System.out.printf("  %s: %,.0f purchases/s%n", label, run.succeededPerSecond());
    return run.succeededPerSecond();
  }

  /** The pool may not sell more than the stock, and with more buyers than items it must sell all of it. */
  private static void requireSoldExactly(long held, int stock, String design) {
    if (held != stock) {
      throw new IllegalStateException(design + " held " + held + " units of a stock of " + stock);
    }
  }
}
