package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EmbeddedPostgresTest {

  @Test
  void theSharedServerAnswersQueriesInItsOwnDatabases() throws SQLException {
    EmbeddedPostgres postgres = EmbeddedPostgres.shared();
    String url = postgres.createDatabase("embedded_postgres_test");

    try (Connection connection = DriverManager.getConnection(url, postgres.user(), postgres.password());
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE sales (sale_id text PRIMARY KEY)");
      statement.execute("INSERT INTO sales VALUES ('sale-1')");
      assertThat(count(statement, "SELECT count(*) FROM sales")).isEqualTo(1);
      assertThat(text(statement, "SELECT current_database()")).isEqualTo("embedded_postgres_test");
      assertThat(text(statement, "SHOW server_version")).startsWith("17.");
    }
    assertThat(EmbeddedPostgres.shared()).isSameAs(postgres);
  }

  @Test
  void aRestartOnTheSameDirectoryKeepsTheData(@TempDir Path dataDir) throws SQLException {
    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir);
        Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement statement = connection.createStatement()) {
      statement.execute("CREATE TABLE orders (request_id text PRIMARY KEY)");
      statement.execute("INSERT INTO orders VALUES ('before restart')");
    }

    try (EmbeddedPostgres postgres = EmbeddedPostgres.start(dataDir);
        Connection connection = DriverManager.getConnection(postgres.jdbcUrl(), postgres.user(), postgres.password());
        Statement statement = connection.createStatement()) {
      assertThat(text(statement, "SELECT string_agg(request_id, ',') FROM orders")).isEqualTo("before restart");
    }
  }

  private static long count(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static String text(Statement statement, String sql) throws SQLException {
    try (ResultSet rows = statement.executeQuery(sql)) {
      rows.next();
      return rows.getString(1);
    }
  }
}
