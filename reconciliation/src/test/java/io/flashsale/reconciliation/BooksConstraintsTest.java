package io.flashsale.reconciliation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.embedded.TestInfrastructure;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.postgresql.util.PSQLState;

/** The database's second check of the topology's guarantees: what would oversell or count twice is refused. */
class BooksConstraintsTest {
  private final Books books = Books.fresh(TestInfrastructure.postgres());

  @BeforeEach
  void createTablesWithOneSale() throws SQLException {
    Flyway.configure().dataSource(books.url, books.user, books.password).load().migrate();
    execute("""
        INSERT INTO sales (sale_id, sku, name, stock, per_user_limit, price_cents, currency, allocation,
                           starts_at, ends_at, hold_seconds, created_at, reserved, confirmed)
        VALUES ('sale-1', 'sku-1', 'Kettle', 3, 1, 1990, 'EUR', 'FCFS', now(), now() + interval '1 hour', 600, now(), 1, 1)""");
    execute(order("req-1"));
  }

  @Test
  void unitsHeldAndSoldBeyondTheStockAreRefused() throws SQLException {
    execute("UPDATE sales SET reserved = 2 WHERE sale_id = 'sale-1'"); // 2 + 1 = the whole stock: fine

    assertThatThrownBy(() -> execute("UPDATE sales SET confirmed = 2 WHERE sale_id = 'sale-1'"))
        .isInstanceOf(SQLException.class)
        .hasMessageContaining("sales_no_oversell")
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.CHECK_VIOLATION.getState());
    assertThatThrownBy(() -> execute("UPDATE sales SET reserved = reserved - 3 WHERE sale_id = 'sale-1'"))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.CHECK_VIOLATION.getState());
    assertThat(books.rows("SELECT reserved, confirmed FROM sales")).containsExactly(java.util.Map.of("reserved", 2, "confirmed", 1));
  }

  @Test
  void aSecondOrderForTheSameRequestIsRefused() {
    assertThatThrownBy(() -> execute(order("req-1")))
        .isInstanceOf(SQLException.class)
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.UNIQUE_VIOLATION.getState());
    assertThat(books.count("SELECT count(*) FROM orders")).isEqualTo(1);
  }

  @Test
  void anOutcomeRecordOrAWebhookIsRecordedOnce() throws SQLException {
    String event = """
        INSERT INTO order_events (topic, kafka_partition, kafka_offset, request_id, sale_id, user_id, quantity, status, decided_at)
        VALUES ('purchase-outcomes', 2, 41, 'req-1', 'sale-1', 'user-1', 1, 'ACCEPTED', now())""";
    String payment = """
        INSERT INTO payments (event_id, payment_id, request_id, sale_id, sku, type, amount_cents, currency, occurred_at, received_at)
        VALUES ('evt-1', 'pay-1', 'req-1', 'sale-1', 'sku-1', 'SUCCEEDED', 1990, 'EUR', now(), now())""";
    execute(event);
    execute(payment);

    assertThatThrownBy(() -> execute(event))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.UNIQUE_VIOLATION.getState());
    assertThatThrownBy(() -> execute(payment))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.UNIQUE_VIOLATION.getState());
  }

  @Test
  void anOrderOfAnUnknownSaleOrWithoutUnitsIsRefused() {
    assertThatThrownBy(() -> execute(order("req-2").replace("'sale-1'", "'sale-9'")))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.FOREIGN_KEY_VIOLATION.getState());
    assertThatThrownBy(() -> execute(order("req-3").replace(", 1, 'ACCEPTED'", ", 0, 'ACCEPTED'")))
        .extracting(e -> ((SQLException) e).getSQLState()).isEqualTo(PSQLState.CHECK_VIOLATION.getState());
  }

  private static String order(String requestId) {
    return """
        INSERT INTO orders (request_id, sale_id, sku, user_id, quantity, status, decided_at, request_partition,
                            request_offset, last_outcome_offset)
        VALUES ('%s', 'sale-1', 'sku-1', 'user-1', 1, 'ACCEPTED', now(), 0, 0, 0)""".formatted(requestId);
  }

  private void execute(String sql) throws SQLException {
    try (Connection connection = DriverManager.getConnection(books.url, books.user, books.password);
        Statement statement = connection.createStatement()) {
      statement.execute(sql);
    }
  }
}
