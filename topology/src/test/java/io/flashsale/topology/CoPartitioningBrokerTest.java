package io.flashsale.topology;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.TopicAdmin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A cluster whose topics the topology reads together differ in partitions is refused at start, before a stock
 * transfer could land in a task that does not own its shard. A broker of its own: the shared one's topics must keep
 * their counts for the other tests.
 */
class CoPartitioningBrokerTest {
  private static EmbeddedKafka kafka;

  @BeforeAll
  static void startBroker() {
    kafka = EmbeddedKafka.start(null);
  }

  @AfterAll
  static void stopBroker() {
    kafka.close();
  }

  @Test
  void stockTransfersWithOtherPartitionsThanPurchaseRequestsAreRefusedAtStart() throws Exception {
    String registry = "mock://copartitioning-" + UUID.randomUUID();
    Topics topics = Topics.using(SchemaRegistry.forUrl(registry));
    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
      // An operator created stock-transfers by hand with 2 partitions; the rest come with the default 4 below.
      admin.createTopics(List.of(new NewTopic(Topics.STOCK_TRANSFERS, 2, (short) 1))).all().get();
      TopicAdmin.ensureTopics(admin, topics, 4, (short) 1);
    }
    Path stateDir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "state")), "copartitioning-");
    TopologyConfig config = new TopologyConfig(KafkaSettings.of(kafka.bootstrapServers(), registry, "copartitioning"),
        stateDir, 100, 1, 4, (short) 1, Duration.ofMillis(TopologyConfig.DEFAULT_STOCK_LEVEL_INTERVAL_MS),
        Duration.ofHours(TopologyConfig.DEFAULT_DEDUP_GRACE_HOURS),
        Duration.ofHours(TopologyConfig.DEFAULT_PAYMENT_DEDUP_RETENTION_HOURS));

    assertThatThrownBy(() -> TopologyApp.start(config))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("must have the same number of partitions")
        .hasMessageContaining(Topics.PURCHASE_REQUESTS + " 4")
        .hasMessageContaining(Topics.STOCK_TRANSFERS + " 2");
  }

  /** Every topic the topology reads by SKU is in the group checked, not just the two of the example. */
  @Test
  void everyTopicReadBySkuIsCheckedTogether() {
    Topics topics = Topics.using(SchemaRegistry.forUrl("mock://copartitioning-groups-" + UUID.randomUUID()));
    List<Set<String>> groups = CoPartitioning.groups(SaleTopology.build(topics).describe());
    assertThat(groups).anySatisfy(group -> assertThat(group).contains(Topics.SALES, Topics.PURCHASE_REQUESTS,
        Topics.STOCK_TRANSFERS, Topics.PAYMENT_EVENTS, Topics.HOLD_CANCELLATIONS, Topics.SALE_ENDS));
    assertThat(CoPartitioning.mismatches(groups, Map.of(Topics.SALES, 8, Topics.PURCHASE_REQUESTS, 8,
        Topics.STOCK_TRANSFERS, 8, Topics.PAYMENT_EVENTS, 8, Topics.HOLD_CANCELLATIONS, 8, Topics.SALE_ENDS, 8,
        Topics.QUEUE_JOINS, 8, Topics.DRAW_SEEDS, 4))).singleElement().asString().contains(Topics.DRAW_SEEDS + " 4");
  }
}
