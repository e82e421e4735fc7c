package io.flashsale.reconciliation.nightly;

import io.flashsale.payments.PaymentSettings;
import io.flashsale.payments.StripeConfig;
import io.flashsale.reconciliation.sink.SinkConfig;
import io.flashsale.settings.Settings;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;

/**
 * Everything the nightly reconciliation is configured with, read from the environment in one place ({@link Settings}:
 * blank is unset, a bad value names its variable). The
 * broker, the schema registry (with any client setting), the database and the sink's group are the sink's
 * settings ({@link SinkConfig}), read from the same variables, since the job reads what the sink wrote.
 *
 * <ul>
 *   <li>the payment provider, read by {@link PaymentSettings#forNightly}: {@code FLASHSALE_PAYMENT_PROVIDER} (default
 *       simulator): {@code simulator} or {@code stripe}, the provider
 *       whose settlements the day is reconciled with and which makes the refunds
 *   <li>{@code FLASHSALE_PAYMENT_PROVIDER_URL} (default http://127.0.0.1:8090, the local simulator) and
 *       {@code FLASHSALE_PAYMENT_PROVIDER_KEY} (default: the simulator's local key): the simulator's API
 *   <li>with {@code stripe}: {@code FLASHSALE_STRIPE_API_KEY} (required) and {@code FLASHSALE_STRIPE_API_BASE}
 *       (default https://api.stripe.com), see {@link StripeConfig}; the webhook secret is the API's business
 *   <li>{@code FLASHSALE_REPORT_DIR} (default {@value #DEFAULT_REPORT_DIR}): reports go to
 *       {@code <dir>/<day>/<run id>/}
 *   <li>{@code FLASHSALE_RECONCILIATION_ID} (default {@value #DEFAULT_RECONCILIATION_ID}): the transactional id
 *       of the corrections' producer, so that two runs at once fence each other
 *   <li>{@code FLASHSALE_RECONCILIATION_BATCH} (default {@value #DEFAULT_BATCH}): rows per COPY into the
 *       database and corrections per transaction, which bounds the memory a run needs
 * </ul>
 */
public record ReconciliationConfig(
    SinkConfig sink,
    PaymentSettings payments,
    Path reportDir,
    String reconciliationId,
    int batch) {

  public static final String DEFAULT_REPORT_DIR = "reconciliation-reports";
  public static final String DEFAULT_RECONCILIATION_ID = "flashsale-reconciliation";
  public static final int DEFAULT_BATCH = 5_000;

  public static ReconciliationConfig fromEnv(Map<String, String> env) {
    Settings settings = Settings.of(env);
    return new ReconciliationConfig(
        SinkConfig.fromEnv(env),
        PaymentSettings.forNightly(settings),
        settings.path("FLASHSALE_REPORT_DIR", DEFAULT_REPORT_DIR),
        settings.text("FLASHSALE_RECONCILIATION_ID", DEFAULT_RECONCILIATION_ID),
        settings.integer("FLASHSALE_RECONCILIATION_BATCH", DEFAULT_BATCH));
  }

  /** Reads the log as the sink does: committed transactions only, positions chosen by the job, never committed. */
  Properties consumerProperties() {
    Properties props = sink.consumerProperties();
    props.put(ConsumerConfig.CLIENT_ID_CONFIG, reconciliationId);
    props.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, batch);
    return sink.kafka().consumerProperties(props); // again, so that the variables still win over the job's own
  }

  /** Writes corrections in transactions: the corrections of a batch and the events they carry land together. */
  Properties producerProperties() {
    Properties props = new Properties();
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, reconciliationId);
    props.put(ProducerConfig.CLIENT_ID_CONFIG, reconciliationId);
    return sink.kafka().producerProperties(props);
  }
}
