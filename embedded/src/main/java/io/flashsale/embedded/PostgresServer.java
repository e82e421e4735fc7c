package io.flashsale.embedded;

/** A PostgreSQL server a test talks to: the embedded one ({@link EmbeddedPostgres}) or a container ({@link TestInfrastructure}). */
public interface PostgresServer extends AutoCloseable {
  /** The JDBC URL of the default database, without credentials. */
  String jdbcUrl();

  String jdbcUrl(String database);

  String user();

  String password();

  /** Creates an empty database and returns its JDBC URL, so that test classes sharing one server do not see each other's rows. */
  String createDatabase(String name);

  @Override
  void close();
}
