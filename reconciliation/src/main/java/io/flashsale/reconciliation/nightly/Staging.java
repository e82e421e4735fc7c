package io.flashsale.reconciliation.nightly;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Instant;
import org.jdbi.v3.core.Handle;
import org.postgresql.PGConnection;

/**
 * The tables a run stages the log and the provider's settlements in (temporary, in the run's session), and
 * the COPY that fills them in batches: the fastest way into PostgreSQL, and memory for one batch only.
 */
final class Staging {
  private Staging() {}

  static void create(Handle handle) {
    handle.createScript(resource("staging.sql")).execute();
  }

  /** Indexes and statistics, once every row is in. */
  static void index(Handle handle) {
    handle.createScript(resource("staging-indexes.sql")).execute();
  }

  /** A COPY into {@code table}, sent every {@code batch} rows and by {@link #close()}. */
  static Copy copy(Handle handle, int batch, String table, String... columns) {
    return new Copy(handle, batch, "COPY " + table + " (" + String.join(", ", columns) + ") FROM STDIN (FORMAT csv)");
  }

  static final class Copy implements AutoCloseable {
    private final Handle handle;
    private final int batch;
    private final String sql;
    private final StringBuilder rows = new StringBuilder();
    private int pending;
    private long copied;

    private Copy(Handle handle, int batch, String sql) {
      this.handle = handle;
      this.batch = batch;
      this.sql = sql;
    }

    /** One row; null is SQL NULL, everything else is written as its text (an Instant as ISO-8601). */
    void row(Object... values) {
      for (int i = 0; i < values.length; i++) {
        if (i > 0) {
          rows.append(',');
        }
        Object value = values[i];
        if (value instanceof Number || value instanceof Instant) {
          rows.append(value);
        } else if (value != null) {
          // CSV quoting: an unquoted empty field is NULL, a quoted one is the empty string.
          rows.append('"').append(value.toString().replace("\"", "\"\"")).append('"');
        }
      }
      rows.append('\n');
      if (++pending == batch) {
        flush();
      }
    }

    long copied() {
      return copied;
    }

    private void flush() {
      if (pending == 0) {
        return;
      }
      try {
        copied += handle.getConnection().unwrap(PGConnection.class).getCopyAPI().copyIn(sql, new StringReader(rows.toString()));
      } catch (SQLException | IOException e) {
        throw new IllegalStateException("Could not stage rows with " + sql, e);
      }
      rows.setLength(0);
      pending = 0;
    }

    @Override
    public void close() {
      flush();
    }
  }

  private static String resource(String name) {
    try (InputStream in = Staging.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
