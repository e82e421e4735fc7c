package io.flashsale.reconciliation.sink;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.TestInfrastructure;
import io.flashsale.reconciliation.Books;
import io.flashsale.reconciliation.nightly.ReconciliationConfig;
import io.flashsale.schemas.Topics;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.junit.jupiter.api.Test;

/** The sink's replication factor passes the production check of every process, and it creates only what it reads. */
class SinkConfigTest {

  @Test
  void aReplicationFactorBelowThreeIsRefusedOutsideLocalMode() {
    assertThatThrownBy(() -> SinkConfig.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "1")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("FLASHSALE_REPLICATION_FACTOR must be at least 3 outside local mode");
    assertThatThrownBy(() -> ReconciliationConfig.fromEnv(Map.of("FLASHSALE_REPLICATION_FACTOR", "2")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(SinkConfig.fromEnv(Map.of()).topics().replicationFactor()).isEqualTo((short) 3);
    assertThat(SinkConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true")).topics().replicationFactor()).isEqualTo((short) 1);
    assertThat(SinkConfig.fromEnv(Map.of("FLASHSALE_LOCAL_MODE", "true", "FLASHSALE_REPLICATION_FACTOR", "1"))
        .topics().replicationFactor()).isEqualTo((short) 1);
  }

  @Test
  void theSinkCreatesTheTopicsItReadsAndNoOther() throws Exception {
    Books books = Books.fresh(TestInfrastructure.postgres());
    try (EmbeddedKafka kafka = EmbeddedKafka.start(null)) {
      try (OutcomeSink sink = OutcomeSink.start(books.sinkConfig(kafka.bootstrapServers(), "mock://sink-config-test",
          Map.of()))) {
        assertThat(sink.status().fenced()).isFalse();
      }
      try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, kafka.bootstrapServers()))) {
        assertThat(admin.listTopics().names().get()).containsExactlyInAnyOrder(Topics.SALES,
            Topics.PURCHASE_OUTCOMES, Topics.PAYMENT_EVENTS, Topics.CORRECTIONS);
      }
    }
  }
}
