package io.flashsale.schemas.serde;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;

/**
 * In-memory registry for tests and the local stack. Enforces BACKWARD compatibility per subject, as
 * Confluent's default does: a new schema must be able to read data written with the latest one.
 */
public final class MockSchemaRegistry implements SchemaRegistry {
  static final String SCHEME = "mock://";
  private static final Map<String, MockSchemaRegistry> NAMED = new ConcurrentHashMap<>();

  private final Map<Integer, Schema> byId = new HashMap<>();
  private final Map<Schema, Integer> idBySchema = new HashMap<>();
  private final Map<String, List<Schema>> versionsBySubject = new HashMap<>();

  /** A registry of its own, shared with nobody (the embedded registry server keeps one). */
  public static MockSchemaRegistry create() {
    return new MockSchemaRegistry();
  }

  /** The registry of this name in this JVM, created on first use. */
  public static MockSchemaRegistry named(String name) {
    return NAMED.computeIfAbsent(name, n -> new MockSchemaRegistry());
  }

  @Override
  public synchronized int register(String subject, Schema schema) {
    List<Schema> versions = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!versions.contains(schema)) {
      if (!versions.isEmpty()) {
        Schema latest = versions.get(versions.size() - 1);
        var result = SchemaCompatibility.checkReaderWriterCompatibility(schema, latest);
        if (result.getType() != SchemaCompatibilityType.COMPATIBLE) {
          throw new IncompatibleSchemaException("Schema for subject " + subject
              + " cannot read data written with its latest version: " + result.getDescription());
        }
      }
      versions.add(schema);
    }
    return idBySchema.computeIfAbsent(schema, s -> {
      int id = byId.size() + 1;
      byId.put(id, s);
      return id;
    });
  }

  @Override
  public synchronized Registered latest(String subject) {
    List<Schema> versions = versionsBySubject.getOrDefault(subject, List.of());
    if (versions.isEmpty()) {
      throw new NotRegisteredException("Subject '" + subject + "' not found in the schema registry");
    }
    Schema latest = versions.get(versions.size() - 1);
    return new Registered(idBySchema.get(latest), latest);
  }

  @Override
  public synchronized Schema schemaById(int id) {
    Schema schema = byId.get(id);
    if (schema == null) {
      throw new IllegalArgumentException("No schema with id " + id);
    }
    return schema;
  }
}
