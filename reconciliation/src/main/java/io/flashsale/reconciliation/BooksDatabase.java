package io.flashsale.reconciliation;

import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.jdbi.v3.core.Jdbi;
import org.jdbi.v3.sqlobject.SqlObjectPlugin;

/**
 * The books both products share: one schema, owned by the migrations in {@code db/migration}, and one way to
 * reach it. The sink and the nightly job each migrate at start, so whichever starts first on a fresh database
 * creates the tables the other reads.
 */
public final class BooksDatabase {
  private BooksDatabase() {}

  /** Brings the schema up to the newest migration (nothing if it is there). */
  public static void migrate(DataSource dataSource) {
    Flyway.configure().dataSource(dataSource).load().migrate();
  }

  /** Jdbi over {@code dataSource}, with the SqlObject statements every {@code *Statements} interface needs. */
  public static Jdbi jdbi(DataSource dataSource) {
    return Jdbi.create(dataSource).installPlugin(new SqlObjectPlugin());
  }
}
