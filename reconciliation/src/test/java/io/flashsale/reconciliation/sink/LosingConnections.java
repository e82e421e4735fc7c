package io.flashsale.reconciliation.sink;

import io.flashsale.reconciliation.Books;
import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import javax.sql.DataSource;
import org.postgresql.PGConnection;

/**
 * The sink's connections, of which chosen COMMITs lose their connection: the backend is killed with
 * {@code pg_terminate_backend}, either right after the COMMIT was answered, so that the transaction landed but
 * the sink hears only of a lost connection, or right before it is sent, so that the transaction never lands.
 */
final class LosingConnections implements UnaryOperator<DataSource> {
  private final String url;
  private final String user;
  private final String password;
  private final Set<Integer> lostAfterCommit;
  private final Set<Integer> lostBeforeCommit;
  private final AtomicInteger commits = new AtomicInteger();
  private final AtomicInteger lost = new AtomicInteger();

  /** Commit numbers count from 1, in the order the sink commits. */
  LosingConnections(Books books, Set<Integer> lostAfterCommit, Set<Integer> lostBeforeCommit) {
    this.url = books.url;
    this.user = books.user;
    this.password = books.password;
    this.lostAfterCommit = lostAfterCommit;
    this.lostBeforeCommit = lostBeforeCommit;
  }

  /** How many connections were lost so far. */
  int lost() {
    return lost.get();
  }

  @Override
  public DataSource apply(DataSource dataSource) {
    return proxy(DataSource.class, (proxy, method, args) -> {
      Object result = invoke(dataSource, method, args);
      return method.getName().equals("getConnection") ? losing((Connection) result) : result;
    });
  }

  private Connection losing(Connection connection) {
    return proxy(Connection.class, (proxy, method, args) -> {
      if (!method.getName().equals("commit")) {
        return invoke(connection, method, args);
      }
      int commit = commits.incrementAndGet();
      if (lostBeforeCommit.contains(commit)) {
        terminate(connection);
        lost.incrementAndGet();
        return invoke(connection, method, args); // the driver finds its connection gone
      }
      invoke(connection, method, args);
      if (lostAfterCommit.contains(commit)) {
        terminate(connection);
        lost.incrementAndGet();
        throw new SQLException("An I/O error occurred while sending to the backend.", "08006");
      }
      return null;
    });
  }

  private void terminate(Connection connection) throws SQLException {
    int pid = connection.unwrap(PGConnection.class).getBackendPID();
    try (Connection killer = DriverManager.getConnection(url, user, password);
         var statement = killer.prepareStatement("SELECT pg_terminate_backend(?)")) {
      statement.setInt(1, pid);
      statement.execute();
    }
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }

  @SuppressWarnings("unchecked")
  private static <T> T proxy(Class<T> type, InvocationHandler handler) {
    return (T) Proxy.newProxyInstance(LosingConnections.class.getClassLoader(), new Class<?>[] {type}, handler);
  }
}
