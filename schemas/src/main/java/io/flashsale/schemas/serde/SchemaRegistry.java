package io.flashsale.schemas.serde;

import org.apache.avro.Schema;

/**
 * The part of the Confluent Schema Registry REST API that the serdes need. Production points at any
 * registry that speaks it (Confluent, Apicurio's ccompat, Karapace, Redpanda); {@code mock://name}
 * selects an in-memory registry shared by everything in the JVM that names it.
 */
public interface SchemaRegistry {

  /** Registers the schema under the subject (or finds it registered) and returns its global id. */
  int register(String subject, Schema schema);

  /** The schema with this global id. */
  Schema schemaById(int id);

  /** The latest version registered under the subject; {@link NotRegisteredException} if it has none. */
  Registered latest(String subject);

  /**
   * What a producer of {@code schema}'s records writes with under {@code subject}: by default the schema itself,
   * registered now (Confluent's {@code auto.register.schemas=true}); see {@link LatestVersionRegistry} for a
   * producer without the right to register.
   */
  default Registered writerFor(String subject, Schema schema) {
    return new Registered(register(subject, schema), schema);
  }

  /** A schema as the registry holds it. */
  record Registered(int id, Schema schema) {}

  /** The subject has no version: with auto-registration off, the schemas must be registered beforehand. */
  final class NotRegisteredException extends IllegalStateException {
    public NotRegisteredException(String message) {
      super(message);
    }
  }

  /**
   * {@code mock://name} for an in-memory registry, {@code http(s)://host:port} for a real one without
   * authentication; {@link RegistrySettings#connect} for one with.
   */
  static SchemaRegistry forUrl(String url) {
    return RegistrySettings.of(url).connect();
  }

  /** The registry refused a schema because it is not compatible with what the subject holds. */
  final class IncompatibleSchemaException extends RuntimeException {
    public IncompatibleSchemaException(String message) {
      super(message);
    }
  }

  /**
   * The registry could not be asked (unreachable, timed out, a 5xx). Says nothing about the record being
   * read or written: whoever meets it retries instead of treating the record as bad.
   */
  class UnavailableException extends RuntimeException {
    public UnavailableException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  /** True if {@code error} or one of its causes is an {@link UnavailableException}. */
  static boolean isUnavailable(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof UnavailableException) {
        return true;
      }
    }
    return false;
  }
}
