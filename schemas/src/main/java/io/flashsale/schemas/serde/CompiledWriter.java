package io.flashsale.schemas.serde;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.RandomAccess;
import java.util.Set;
import org.apache.avro.Conversion;
import org.apache.avro.Conversions;
import org.apache.avro.LogicalType;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericFixed;
import org.apache.avro.generic.IndexedRecord;
import org.apache.avro.io.Encoder;
import org.apache.avro.specific.SpecificData;

/**
 * Writes the records of one generated class in Avro binary by a plan made once from its schema: one step per
 * field, its type, union branch and logical-type conversion chosen when the plan is made. Avro's
 * {@code SpecificDatumWriter} chooses them again for every field of every record (resolving each union by the
 * datum's class, looking up each timestamp's conversion), and the generated classes' own coders, which would not,
 * are not generated for records with logical types: every record here has a timestamp. The writing side of what
 * Avro's {@code FastReaderBuilder} does for reading.
 *
 * <p>Why: JFR of the hot-SKU backlog ({@code ./flashsale bench --quick --only backlog}) put 28 % of the stream
 * thread's processing in writing outcomes with {@code SpecificDatumWriter}, three times its reading of the requests
 * (already the fast reader); with this, 9 % ({@code SerdeBenchmark}: 1.5x Avro's writer per outcome). The bytes
 * are the same as {@code SpecificDatumWriter}'s ({@code CompiledWriterTest}); a schema holding a type this does
 * not plan (a union other than null and one type, a recursive record) keeps Avro's writer.
 */
final class CompiledWriter {
  @FunctionalInterface
  private interface Step {
    void write(Object datum, Encoder out) throws IOException;
  }

  private final Step root;

  private CompiledWriter(Step root) {
    this.root = root;
  }

  /** The plan for records of this generated class's schema, or empty where it holds a type not planned here. */
  static Optional<CompiledWriter> of(Schema schema, SpecificData model) {
    try {
      return Optional.of(new CompiledWriter(step(schema, model, new HashSet<>())));
    } catch (UnsupportedOperationException e) {
      return Optional.empty();
    }
  }

  void write(IndexedRecord record, Encoder out) throws IOException {
    root.write(record, out);
  }

  @SuppressWarnings("unchecked")
  private static Step step(Schema schema, SpecificData model, Set<String> enclosing) {
    LogicalType logicalType = schema.getLogicalType();
    Conversion<Object> conversion = logicalType == null ? null : (Conversion<Object>) model.getConversionFor(logicalType);
    Step raw = rawStep(schema, model, enclosing);
    if (conversion == null) {
      return raw;
    }
    return (datum, out) -> raw.write(Conversions.convertToRawType(datum, schema, logicalType, conversion), out);
  }

  private static Step rawStep(Schema schema, SpecificData model, Set<String> enclosing) {
    return switch (schema.getType()) {
      case RECORD -> record(schema, model, enclosing);
      case UNION -> union(schema, model, enclosing);
      case ARRAY -> array(step(schema.getElementType(), model, enclosing));
      case MAP -> map(step(schema.getValueType(), model, enclosing));
      case ENUM -> enumeration(schema, model);
      case STRING -> (datum, out) -> out.writeString((CharSequence) datum);
      case INT -> (datum, out) -> out.writeInt((Integer) datum);
      case LONG -> (datum, out) -> out.writeLong((Long) datum);
      case BOOLEAN -> (datum, out) -> out.writeBoolean((Boolean) datum);
      case DOUBLE -> (datum, out) -> out.writeDouble((Double) datum);
      case FLOAT -> (datum, out) -> out.writeFloat((Float) datum);
      case BYTES -> (datum, out) -> out.writeBytes(((ByteBuffer) datum).duplicate());
      case FIXED -> (datum, out) -> out.writeFixed(((GenericFixed) datum).bytes(), 0, schema.getFixedSize());
      case NULL -> (datum, out) -> out.writeNull();
    };
  }

  private static Step record(Schema schema, SpecificData model, Set<String> enclosing) {
    if (!enclosing.add(schema.getFullName())) {
      throw new UnsupportedOperationException("recursive record " + schema.getFullName());
    }
    List<Schema.Field> fields = schema.getFields();
    int[] positions = new int[fields.size()];
    Step[] steps = new Step[fields.size()];
    for (int i = 0; i < steps.length; i++) {
      positions[i] = fields.get(i).pos();
      steps[i] = step(fields.get(i).schema(), model, enclosing);
    }
    enclosing.remove(schema.getFullName());
    return (datum, out) -> {
      IndexedRecord record = (IndexedRecord) datum;
      for (int i = 0; i < steps.length; i++) {
        steps[i].write(record.get(positions[i]), out);
      }
    };
  }

  /** Only the optional value, {@code ["null", T]} or {@code [T, "null"]}: the only unions the schemas hold. */
  private static Step union(Schema schema, SpecificData model, Set<String> enclosing) {
    List<Schema> branches = schema.getTypes();
    Integer nullBranch = schema.getIndexNamed(Schema.Type.NULL.getName());
    if (branches.size() != 2 || nullBranch == null) {
      throw new UnsupportedOperationException("union " + schema);
    }
    int nullIndex = nullBranch;
    int valueIndex = 1 - nullIndex;
    Step value = step(branches.get(valueIndex), model, enclosing);
    return (datum, out) -> {
      if (datum == null) {
        out.writeIndex(nullIndex);
      } else {
        out.writeIndex(valueIndex);
        value.write(datum, out);
      }
    };
  }

  private static Step array(Step element) {
    return (datum, out) -> {
      Collection<?> items = (Collection<?>) datum;
      out.writeArrayStart();
      out.setItemCount(items.size());
      if (items instanceof List<?> list && list instanceof RandomAccess) {
        for (int i = 0, n = list.size(); i < n; i++) {
          out.startItem();
          element.write(list.get(i), out);
        }
      } else {
        for (Object item : items) {
          out.startItem();
          element.write(item, out);
        }
      }
      out.writeArrayEnd();
    };
  }

  private static Step map(Step value) {
    return (datum, out) -> {
      Map<?, ?> entries = (Map<?, ?>) datum;
      out.writeMapStart();
      out.setItemCount(entries.size());
      for (Map.Entry<?, ?> entry : entries.entrySet()) {
        out.startItem();
        out.writeString(entry.getKey().toString());
        value.write(entry.getValue(), out);
      }
      out.writeMapEnd();
    };
  }

  /** A generated enum's constants are declared in its symbols' order, so its ordinal is the symbol's index. */
  private static Step enumeration(Schema schema, SpecificData model) {
    Class<?> type = model.getClass(schema);
    if (type == null || !type.isEnum()) {
      throw new UnsupportedOperationException("enum without its generated class " + schema.getFullName());
    }
    List<String> constants = new ArrayList<>();
    for (Object constant : type.getEnumConstants()) {
      constants.add(((Enum<?>) constant).name());
    }
    if (!constants.equals(schema.getEnumSymbols())) {
      throw new UnsupportedOperationException("enum class out of step with its schema " + schema.getFullName());
    }
    return (datum, out) -> out.writeEnum(((Enum<?>) datum).ordinal());
  }
}
