package io.flashsale.reconciliation.nightly;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.reconciliation.sink.SinkConfig;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReconciliationConfigTest {

  @Test
  void theSinksAndTheJobsClientsCarryTheClientVariablesOnTopOfTheirOwnSettings() {
    ReconciliationConfig config = ReconciliationConfig.fromEnv(Map.of(
        "FLASHSALE_BOOTSTRAP_SERVERS", "k1:9093",
        "FLASHSALE_KAFKA_SECURITY_PROTOCOL", "SASL_SSL",
        "FLASHSALE_CONSUMER_FETCH_MAX_BYTES", "1048576",
        "FLASHSALE_PRODUCER_LINGER_MS", "5"));

    assertThat(config.sink().consumerProperties()).containsEntry("bootstrap.servers", "k1:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("fetch.max.bytes", "1048576")
        .containsEntry("isolation.level", "read_committed")
        .containsEntry("client.id", SinkConfig.DEFAULT_SINK_GROUP);
    assertThat(config.consumerProperties()).containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("client.id", ReconciliationConfig.DEFAULT_RECONCILIATION_ID)
        .containsEntry("max.poll.records", ReconciliationConfig.DEFAULT_BATCH);
    assertThat(config.producerProperties()).containsEntry("bootstrap.servers", "k1:9093")
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("linger.ms", "5")
        .containsEntry("transactional.id", ReconciliationConfig.DEFAULT_RECONCILIATION_ID)
        .doesNotContainKey("fetch.max.bytes");
  }
}
