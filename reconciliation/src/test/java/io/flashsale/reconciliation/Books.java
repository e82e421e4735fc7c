package io.flashsale.reconciliation;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.flashsale.embedded.PostgresServer;
import io.flashsale.reconciliation.sink.SinkConfig;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/** A fresh database of the shared PostgreSQL, and plain SQL to read what the sink wrote into it. */
public final class Books {
  public final String url;
  public final String user;
  public final String password;
  private final Jdbi jdbi;

  private Books(String url, String user, String password) {
    this.url = url;
    this.user = user;
    this.password = password;
    this.jdbi = Jdbi.create(url, user, password);
  }

  public static Books fresh(PostgresServer postgres) {
    String name = "books_" + UUID.randomUUID().toString().replace("-", "");
    return new Books(postgres.createDatabase(name), postgres.user(), postgres.password());
  }

  /** The sink's configuration against this database, with any FLASHSALE_* settings added. */
  public SinkConfig sinkConfig(String bootstrapServers, String schemaRegistryUrl, Map<String, String> extra) {
    return SinkConfig.fromEnv(env(bootstrapServers, schemaRegistryUrl, extra));
  }

  public Map<String, String> env(String bootstrapServers, String schemaRegistryUrl, Map<String, String> extra) {
    Map<String, String> env = new HashMap<>(extra);
    env.put("FLASHSALE_BOOTSTRAP_SERVERS", bootstrapServers);
    env.put("FLASHSALE_SCHEMA_REGISTRY_URL", schemaRegistryUrl);
    env.put("FLASHSALE_DATABASE_URL", url);
    env.put("FLASHSALE_DATABASE_USER", user);
    env.put("FLASHSALE_DATABASE_PASSWORD", password);
    env.put("FLASHSALE_PARTITIONS", String.valueOf(LogWriter.PARTITIONS));
    env.putIfAbsent("FLASHSALE_LOCAL_MODE", "true"); // one broker: topics of one replica
    return env;
  }

  /** Jdbi on a small pool of connections to this database, as the sink has them (a login per handle is slow). */
  public Jdbi pooledJdbi() {
    HikariConfig pool = new HikariConfig();
    pool.setJdbcUrl(url);
    pool.setUsername(user);
    pool.setPassword(password);
    pool.setMaximumPoolSize(2);
    return Jdbi.create(new HikariDataSource(pool)).installPlugin(new SqlObjectPlugin());
  }

  public int update(String sql, Object... args) {
    return jdbi.withHandle(h -> h.execute(sql, args));
  }

  public long count(String sql, Object... args) {
    return jdbi.withHandle(h -> {
      var query = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        query.bind(i, args[i]);
      }
      return query.mapTo(Long.class).one();
    });
  }

  /** Rows as column-to-value maps, for comparing whole rows. */
  public java.util.List<Map<String, Object>> rows(String sql, Object... args) {
    return jdbi.withHandle(h -> {
      var query = h.createQuery(sql);
      for (int i = 0; i < args.length; i++) {
        query.bind(i, args[i]);
      }
      return query.mapToMap().list();
    });
  }
}
