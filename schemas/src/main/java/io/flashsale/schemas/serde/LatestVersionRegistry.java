package io.flashsale.schemas.serde;

import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * A registry used without the right to register (FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false): producers write
 * with the latest version registered under their subject, as Confluent's serializers do with
 * {@code auto.register.schemas=false} and {@code use.latest.version=true}. Records are written in that version's
 * schema, which must be able to read what the process's own schema writes (a newer version with an added optional
 * field is); without any version, or with one that cannot, the first record fails with a message that says so.
 */
final class LatestVersionRegistry implements SchemaRegistry {
  private final SchemaRegistry registry;

  LatestVersionRegistry(SchemaRegistry registry) {
    this.registry = registry;
  }

  @Override
  public int register(String subject, Schema schema) {
    throw new IllegalStateException("Not registering " + schema.getFullName() + " under '" + subject
        + "': FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false");
  }

  @Override
  public Schema schemaById(int id) {
    return registry.schemaById(id);
  }

  @Override
  public Registered latest(String subject) {
    return registry.latest(subject);
  }

  @Override
  public Registered writerFor(String subject, Schema schema) {
    Registered latest;
    try {
      latest = registry.latest(subject);
    } catch (NotRegisteredException e) {
      throw new NotRegisteredException("No schema is registered under '" + subject + "', and this process does not "
          + "register one (FLASHSALE_SCHEMA_REGISTRY_AUTO_REGISTER=false): register " + schema.getFullName()
          + " there first (" + e.getMessage() + ")");
    }
    var compatibility = SchemaCompatibility.checkReaderWriterCompatibility(latest.schema(), schema);
    if (compatibility.getType() != SchemaCompatibilityType.COMPATIBLE) {
      throw new IllegalStateException("The latest schema under '" + subject + "' (id " + latest.id() + ") cannot hold "
          + "the records of this process's " + schema.getFullName() + ": " + compatibility.getDescription());
    }
    return latest;
  }
}
