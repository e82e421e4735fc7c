package io.flashsale.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flashsale.schemas.Topics.Topic;
import io.flashsale.schemas.serde.AvroSerde;
import io.flashsale.schemas.serde.PurchaseBatchSerde;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.apache.avro.Schema;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.common.config.TopicConfig;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/asyncapi.yaml is what downstream teams read: it must name exactly the topics of {@link Topics}, with the key
 * and value schemas their serdes use and the settings {@link TopicAdmin} creates them with.
 */
class AsyncApiTest {
  static final Path DOCUMENT = Path.of("..", "docs", "asyncapi.yaml");
  private static final String AVRO = "application/vnd.apache.avro;version=1.9.0";
  /** FLASHSALE_PARTITIONS' default in every process that creates topics. */
  private static final int DEFAULT_PARTITIONS = 8;
  private static final short PRODUCTION_REPLICAS = TopicAdmin.defaultReplicationFactor(false);
  /** What a topic created without the setting gets from the broker. */
  private static final Map<String, String> BROKER_DEFAULTS = Map.of(
      TopicConfig.CLEANUP_POLICY_CONFIG, TopicConfig.CLEANUP_POLICY_DELETE,
      TopicConfig.MESSAGE_TIMESTAMP_TYPE_CONFIG, "CreateTime");
  private static final Set<String> AUDIENCES = Set.of("downstream", "internal");
  private static final Set<String> TRANSACTIONAL_WRITERS = Set.of("topology", "reconciliation");
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode document;
  private static Topics topics;

  @BeforeAll
  static void read() throws IOException {
    document = new YAMLMapper().readTree(DOCUMENT.toFile());
    topics = Topics.using(SchemaRegistry.forUrl("mock://asyncapi-test"));
  }

  @Test
  void isAnAsyncApi3DocumentOfKafkaChannels() {
    assertThat(document.path("asyncapi").asText()).isEqualTo("3.0.0");
    assertThat(document.path("channels").size()).isPositive();
    assertThat(document.path("servers").path("production").path("protocol").asText()).isEqualTo("kafka");
  }

  @Test
  void agreesWithTheCatalogueAndTopicAdmin() {
    assertThat(disagreements(document, topics.all(), TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS)))
        .isEmpty();
  }

  /** A Topic field left out of all() would be neither created nor checked here. */
  @Test
  void everyTopicOfTheCatalogueIsInAll() throws IllegalAccessException {
    Set<String> declared = new HashSet<>();
    for (Field field : Topics.class.getFields()) {
      if (!Modifier.isStatic(field.getModifiers()) && field.getType() == Topic.class) {
        declared.add(((Topic<?, ?>) field.get(topics)).name());
      }
    }
    assertThat(topics.all()).extracting(Topic::name).containsExactlyInAnyOrderElementsOf(declared);
  }

  // The check itself: each kind of drift is reported.

  @Test
  void anUndocumentedTopicIsReported() {
    List<Topic<?, ?>> catalogue = new ArrayList<>(topics.all());
    Topic<String, Sale> promotions = new Topic<>("promotions", Serdes.String(),
        AvroSerde.forValues(Sale.class, SchemaRegistry.forUrl("mock://asyncapi-test")), Map.of());
    catalogue.add(promotions);
    List<NewTopic> created = new ArrayList<>(TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS));
    created.add(new NewTopic("promotions", DEFAULT_PARTITIONS, PRODUCTION_REPLICAS));

    assertThat(disagreements(document, catalogue, created))
        .containsExactly("promotions: in Topics but not in " + DOCUMENT);
  }

  @Test
  void aDocumentedTopicTheCatalogueLacksIsReported() {
    List<Topic<?, ?>> catalogue = topics.all().stream().filter(t -> !t.name().equals(Topics.QUEUE_STATS)).toList();
    List<NewTopic> created = TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS).stream()
        .filter(t -> !t.name().equals(Topics.QUEUE_STATS)).toList();

    assertThat(disagreements(document, catalogue, created))
        .containsExactly("queue-stats: in " + DOCUMENT + " but not in Topics");
  }

  @Test
  void anotherValueSchemaIsReported() {
    List<Topic<?, ?>> catalogue = topics.all().stream()
        .map(t -> t.name().equals(Topics.SALE_ENDS)
            ? new Topic<>(t.name(), t.keySerde(), AvroSerde.forValues(HoldCancellation.class,
                SchemaRegistry.forUrl("mock://asyncapi-test")), t.config())
            : t)
        .collect(Collectors.toList());

    assertThat(disagreements(document, catalogue, TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS)))
        .singleElement().asString().startsWith("sale-ends: value schemas");
  }

  @Test
  void aChangedFieldOfAValueSchemaIsReported() {
    ObjectNode changed = document.deepCopy();
    JsonNode fields = changed.at("/components/schemas/StockLevel/schema/fields");
    ((ObjectNode) fields.get(fields.size() - 1)).put("name", "renamed");

    assertThat(disagreements(changed, topics.all(), TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS)))
        .singleElement().asString().startsWith("stock-levels: value schemas");
  }

  @Test
  void otherTopicSettingsAreReported() {
    List<NewTopic> created = TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS).stream()
        .map(t -> t.name().equals(Topics.PURCHASE_OUTCOMES)
            ? new NewTopic(t.name(), t.numPartitions(), t.replicationFactor())
                .configs(Map.of(TopicConfig.RETENTION_MS_CONFIG, "1000"))
            : t.name().equals(Topics.QUEUE_PLACES) ? new NewTopic(t.name(), 1, t.replicationFactor()).configs(t.configs()) : t)
        .toList();

    assertThat(disagreements(document, topics.all(), created)).hasSize(2)
        .anySatisfy(d -> assertThat(d).startsWith("purchase-outcomes: topicConfiguration"))
        .anySatisfy(d -> assertThat(d).startsWith("queue-places: partitions"));
  }

  @Test
  void anotherKeyTypeIsReported() {
    List<Topic<?, ?>> catalogue = topics.all().stream()
        .map(t -> t.name().equals(Topics.SALES) ? new Topic<>(t.name(), Serdes.ByteArray(), t.valueSerde(), t.config()) : t)
        .collect(Collectors.toList());

    assertThat(disagreements(document, catalogue, TopicAdmin.newTopics(topics, DEFAULT_PARTITIONS, PRODUCTION_REPLICAS)))
        .singleElement().asString().startsWith("sales: key");
  }

  /**
   * Every way {@code doc} differs from the catalogue and from what TopicAdmin creates, one line each, topic first.
   */
  static List<String> disagreements(JsonNode doc, List<Topic<?, ?>> catalogue, List<NewTopic> created) {
    List<String> found = new ArrayList<>();
    Map<String, JsonNode> channels = new TreeMap<>();
    doc.path("channels").properties().forEach(e -> channels.put(e.getValue().path("address").asText(), e.getValue()));
    Map<String, NewTopic> createdByName = created.stream().collect(Collectors.toMap(NewTopic::name, t -> t));
    Set<String> names = catalogue.stream().map(Topic::name).collect(Collectors.toSet());
    channels.keySet().stream().filter(name -> !names.contains(name))
        .forEach(name -> found.add(name + ": in " + DOCUMENT + " but not in Topics"));

    for (Topic<?, ?> topic : catalogue) {
      JsonNode channel = channels.get(topic.name());
      if (channel == null) {
        found.add(topic.name() + ": in Topics but not in " + DOCUMENT);
        continue;
      }
      String name = topic.name();
      JsonNode kafka = channel.path("bindings").path("kafka");
      if (!name.equals(kafka.path("topic").asText())) {
        found.add(name + ": bindings.kafka.topic is " + kafka.path("topic"));
      }
      List<JsonNode> messages = StreamSupport.stream(channel.path("messages").spliterator(), false).toList();
      if (messages.isEmpty()) {
        found.add(name + ": no messages");
        continue;
      }
      checkKeys(name, topic.keySerde(), messages, found);
      checkValues(doc, name, topic.valueSerde(), messages, found);
      checkSettings(name, kafka, createdByName.get(name), found);
      checkAudienceAndParties(doc, channel, name, found);
    }
    return found;
  }

  private static void checkKeys(String name, Serde<?> keySerde, List<JsonNode> messages, List<String> found) {
    Map<String, String> expected = keySchema(keySerde);
    for (JsonNode message : messages) {
      JsonNode key = message.path("bindings").path("kafka").path("key");
      Map<String, String> documented = new TreeMap<>();
      key.properties().forEach(e -> {
        if (!e.getKey().equals("description")) {
          documented.put(e.getKey(), e.getValue().asText());
        }
      });
      if (!documented.equals(expected)) {
        found.add(name + ": key is " + documented + ", its serde " + keySerde.getClass().getSimpleName() + " means " + expected);
      }
      if (key.path("description").asText().isBlank()) {
        found.add(name + ": the key's meaning is not described");
      }
    }
  }

  private static Map<String, String> keySchema(Serde<?> serde) {
    if (serde.getClass() == Serdes.String().getClass()) {
      return Map.of("type", "string");
    }
    if (serde.getClass() == Serdes.ByteArray().getClass()) {
      return new TreeMap<>(Map.of("type", "string", "format", "binary"));
    }
    throw new AssertionError("No AsyncAPI key schema for " + serde.getClass().getName() + ": add one to this test");
  }

  private static void checkValues(JsonNode doc, String name, Serde<?> valueSerde, List<JsonNode> messages, List<String> found) {
    List<Schema> expected;
    if (valueSerde instanceof AvroSerde<?> avro) {
      expected = List.of(avro.schema());
    } else if (valueSerde instanceof PurchaseBatchSerde batches) {
      expected = batches.schemas();
    } else if (valueSerde.getClass() == Serdes.ByteArray().getClass()) {
      for (JsonNode message : messages) {
        JsonNode payload = resolve(doc, message.path("payload"));
        if (!payload.path("type").asText().equals("string") || !payload.path("format").asText().equals("binary")) {
          found.add(name + ": raw bytes, documented as " + payload);
        }
      }
      return;
    } else {
      throw new AssertionError("No AsyncAPI payload for " + valueSerde.getClass().getName() + ": add one to this test");
    }
    List<Schema> documented = new ArrayList<>();
    for (JsonNode message : messages) {
      JsonNode payload = resolve(doc, message.path("payload"));
      if (!AVRO.equals(payload.path("schemaFormat").asText())) {
        found.add(name + ": payload schemaFormat is " + payload.path("schemaFormat") + ", not " + AVRO);
        return;
      }
      JsonNode wire = message.path("bindings").path("kafka");
      if (!wire.path("schemaIdLocation").asText().equals("payload")
          || !wire.path("schemaIdPayloadEncoding").asText().equals("confluent")) {
        found.add(name + ": the Confluent wire format (schema id in the payload, confluent encoding) is not stated");
      }
      documented.add(new Schema.Parser().parse(payload.path("schema").toString()));
    }
    List<Schema> serdes = expected.stream().map(AsyncApiTest::withoutJavaHints).toList();
    if (!documented.equals(serdes)) {
      found.add(name + ": value schemas " + documented.stream().map(Schema::getFullName).toList()
          + " differ from the serde's " + serdes.stream().map(Schema::getFullName).toList()
          + (documented.size() == 1 && serdes.size() == 1 ? "\n  documented: " + documented.get(0) + "\n  serde:      " + serdes.get(0) : ""));
    }
  }

  /** The generated classes' schemas carry avro.java.string, a hint for Java code generation only. */
  private static Schema withoutJavaHints(Schema schema) {
    try {
      JsonNode tree = JSON.readTree(schema.toString());
      removeField(tree, "avro.java.string");
      return new Schema.Parser().parse(tree.toString());
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void removeField(JsonNode node, String field) {
    if (node instanceof ObjectNode object) {
      object.remove(field);
    }
    node.forEach(child -> removeField(child, field));
  }

  private static void checkSettings(String name, JsonNode kafka, NewTopic created, List<String> found) {
    if (created == null) {
      found.add(name + ": TopicAdmin does not create it");
      return;
    }
    if (kafka.path("partitions").asInt() != created.numPartitions()) {
      found.add(name + ": partitions documented " + kafka.path("partitions") + ", created " + created.numPartitions());
    }
    if (kafka.path("replicas").asInt() != created.replicationFactor()) {
      found.add(name + ": replicas documented " + kafka.path("replicas") + ", created " + created.replicationFactor());
    }
    Map<String, String> documented = new TreeMap<>();
    kafka.path("topicConfiguration").properties().forEach(e -> documented.put(e.getKey(), e.getValue().isArray()
        ? StreamSupport.stream(e.getValue().spliterator(), false).map(JsonNode::asText).collect(Collectors.joining(","))
        : e.getValue().asText()));
    Map<String, String> creates = new TreeMap<>(BROKER_DEFAULTS);
    creates.putAll(created.configs() == null ? Map.of() : created.configs());
    if (!documented.equals(creates)) {
      found.add(name + ": topicConfiguration documented " + documented + ", TopicAdmin creates " + creates);
    }
  }

  private static void checkAudienceAndParties(JsonNode doc, JsonNode channel, String name, List<String> found) {
    List<String> audiences = StreamSupport.stream(channel.path("tags").spliterator(), false)
        .map(tag -> tag.path("name").asText()).filter(AUDIENCES::contains).toList();
    if (audiences.size() != 1) {
      found.add(name + ": not tagged as one of " + AUDIENCES);
    }
    List<String> writers = new ArrayList<>();
    List<String> readers = new ArrayList<>();
    Map<String, String> readerDescriptions = new HashMap<>();
    doc.path("operations").forEach(operation -> {
      JsonNode target = resolve(doc, operation.path("channel"));
      if (target.path("address").asText().equals(name)) {
        String process = operation.path("tags").path(0).path("name").asText();
        if (operation.path("action").asText().equals("send")) {
          writers.add(process);
        } else {
          readers.add(process);
          readerDescriptions.put(process, operation.path("description").asText());
        }
      }
    });
    if (writers.isEmpty() || readers.isEmpty()) {
      found.add(name + ": operations name writers " + writers + " and readers " + readers + "; both are needed");
    }
    if (writers.stream().anyMatch(TRANSACTIONAL_WRITERS::contains)) {
      readerDescriptions.forEach((process, description) -> {
        if (!description.contains("read_committed")) {
          found.add(name + ": written in transactions, but " + process + "'s read does not say isolation.level=read_committed");
        }
      });
    }
    if (channel.path("x-flashsale-delivery").isEmpty()) {
      found.add(name + ": x-flashsale-delivery does not state the writers' guarantees");
    }
  }

  /** A local {@code $ref} (#/a/b) followed, or the node itself. */
  private static JsonNode resolve(JsonNode doc, JsonNode node) {
    JsonNode ref = node.path("$ref");
    if (ref.isMissingNode()) {
      return node;
    }
    String pointer = ref.asText();
    if (!pointer.startsWith("#/")) {
      throw new AssertionError("Only local references are expected: " + pointer);
    }
    JsonNode target = doc.at(pointer.substring(1));
    if (target.isMissingNode()) {
      throw new AssertionError("Dangling reference " + pointer);
    }
    return target;
  }
}
