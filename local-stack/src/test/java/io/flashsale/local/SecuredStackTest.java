package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.IngestApi;
import io.flashsale.embedded.EmbeddedKafka;
import io.flashsale.embedded.EmbeddedSchemaRegistry;
import io.flashsale.embedded.SelfSignedTls;
import io.flashsale.reconciliation.nightly.Reconciliation;
import io.flashsale.reconciliation.nightly.ReconciliationConfig;
import io.flashsale.reconciliation.nightly.RunResult;
import io.flashsale.reconciliation.nightly.RunStatus;
import io.flashsale.reconciliation.sink.OutcomeSink;
import io.flashsale.reconciliation.sink.SinkConfig;
import io.flashsale.topology.TopologyApp;
import io.flashsale.topology.TopologyConfig;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.Map;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jdbi.v3.core.Jdbi;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole stack against a broker that wants SASL_SSL with SCRAM-SHA-512 and a registry that wants basic
 * authentication over https, configured only with the variables an operator sets: every process (the API's producer
 * and views, the topology's Kafka Streams, the sink, the nightly job, the draw verifier) connects and a purchase goes
 * from the click to the books. With a wrong password or wrong registry credentials each process refuses to start,
 * within seconds, saying why.
 */
class SecuredStackTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  /** A refusal is an answer of the broker, not a wait: far below the connection check's own timeout. */
  private static final Duration PROMPTLY = Duration.ofSeconds(15);
  private static final String USER = "flashsale";
  private static final String PASSWORD = "kafka-secret";
  private static final String REGISTRY_USER_INFO = "flashsale:registry-secret";

  @TempDir static Path dataDir;
  @TempDir static Path scratch;
  static EmbeddedKafka kafka;
  static EmbeddedSchemaRegistry registry;
  static SelfSignedTls tls;
  static LocalStack stack;
  static Buyers buyers;

  @BeforeAll
  static void startStack() {
    tls = SelfSignedTls.create(scratch.resolve("tls"));
    kafka = EmbeddedKafka.startSecured(dataDir.resolve("kafka"),
        new EmbeddedKafka.Security(Map.of(USER, PASSWORD), tls));
    registry = EmbeddedSchemaRegistry.start(dataDir.resolve("schemas"), 0,
        new EmbeddedSchemaRegistry.Access(REGISTRY_USER_INFO, null, tls));
    stack = TestStack.start(dataDir, 2, credentials(PASSWORD, REGISTRY_USER_INFO), kafka, registry);
    buyers = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close(); // closes the broker and the registry too
    }
  }

  @Test
  void everyProcessConnectsThroughTheSecuredListenerAndAPurchaseReachesTheBooks() throws Exception {
    assertThat(stack.schemaRegistryUrl()).startsWith("https://");
    String saleId = buyers.createLiveSale("SKU-SECURED", 3, 1, 120);
    String token = Buyers.tokenFor("alice");

    Buyers.Answer answer = buyers.purchase(token, saleId, 1, "alice-click");
    assertThat(answer.status()).as("purchase %s", answer).isEqualTo(202);
    String requestId = answer.body().get("requestId").asText();
    buyers.awaitStatus(token, requestId, "ACCEPTED", PATIENCE); // API producer, topology, API's purchase view
    buyers.pay(token, requestId, PATIENCE); // the webhook's event through the topology
    Jdbi db = Jdbi.create(stack.databaseUrl(), "postgres", "postgres");
    await().atMost(PATIENCE).until(() -> db.withHandle(h -> h.createQuery(
        "SELECT count(*) FROM orders WHERE request_id = :id AND status = 'CONFIRMED'").bind("id", requestId)
        .mapTo(Long.class).one()) == 1); // the sink's consumer

    Map<String, String> job = jobEnvironment(PASSWORD, REGISTRY_USER_INFO);
    RunResult night;
    try (Reconciliation reconciliation = Reconciliation.create(ReconciliationConfig.fromEnv(job),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8))) {
      night = reconciliation.run(LocalDate.now(ZoneOffset.UTC)); // reads the day's log, as the sink does
    }
    assertThat(night.status()).as("%s", night).isEqualTo(RunStatus.CLEAN);
    assertThat(night.found()).isZero();
    ByteArrayOutputStream printed = new ByteArrayOutputStream();
    int verified = verifyDraw(job, saleId, new PrintStream(printed, true, StandardCharsets.UTF_8)); // not a lottery
    assertThat(verified).as(printed.toString(StandardCharsets.UTF_8)).isEqualTo(VerifyDrawCommand.NOTHING_TO_VERIFY);
    assertThat(printed.toString(StandardCharsets.UTF_8)).contains("Nothing to verify");
  }

  @Test
  void aWrongKafkaPasswordStopsEveryProcessAtStartSayingAuthenticationFailed() {
    Map<String, String> wrong = jobEnvironment("not-the-password", REGISTRY_USER_INFO);
    wrong.put("FLASHSALE_STATE_DIR", scratch.resolve("wrong-state").toString());

    refusedPromptly("topology", () -> TopologyApp.start(TopologyConfig.fromEnv(wrong)).close(),
        "authentication failed");
    refusedPromptly("api", () -> IngestApi.start(ApiConfig.fromEnv(wrong)).close(), "authentication failed");
    refusedPromptly("sink", () -> OutcomeSink.start(SinkConfig.fromEnv(wrong)).close(), "authentication failed");
    refusedPromptly("nightly job", () -> Reconciliation.create(ReconciliationConfig.fromEnv(wrong),
        new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)).close(), "authentication failed");
    refusedPromptly("draw verifier", () -> verifyDraw(wrong, "any", System.out), "authentication failed");
  }

  @Test
  void wrongRegistryCredentialsStopEveryProcessAtStartWithTheRegistrysAnswer() {
    Map<String, String> wrong = jobEnvironment(PASSWORD, "flashsale:not-the-password");
    wrong.put("FLASHSALE_STATE_DIR", scratch.resolve("wrong-registry-state").toString());
    String answer = "Schema registry at " + stack.schemaRegistryUrl() + "/ answered 401 Unauthorized";

    refusedPromptly("topology", () -> TopologyApp.start(TopologyConfig.fromEnv(wrong)).close(), answer);
    refusedPromptly("api", () -> IngestApi.start(ApiConfig.fromEnv(wrong)).close(), answer);
    refusedPromptly("sink", () -> OutcomeSink.start(SinkConfig.fromEnv(wrong)).close(), answer);
  }

  private static void refusedPromptly(String process, ThrowingCallable start, String message) {
    long started = System.nanoTime();
    assertThatThrownBy(start).as(process).isInstanceOf(IllegalStateException.class).hasMessageContaining(message);
    Duration took = Duration.ofNanos(System.nanoTime() - started);
    System.out.printf("%s refused to start in %d ms%n", process, took.toMillis());
    assertThat(took).as("%s refused in %s", process, took).isLessThan(PROMPTLY);
  }

  /** What an operator sets for a secured cluster and registry: nothing else differs from a plain one. */
  private static Map<String, String> credentials(String password, String registryUserInfo) {
    Map<String, String> env = new HashMap<>(kafka.clientEnvironment(USER, password));
    env.put("FLASHSALE_SCHEMA_REGISTRY_USER_INFO", registryUserInfo);
    env.put("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE", tls.trustStore().toString());
    env.put("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE_PASSWORD", tls.password());
    return env;
  }

  /** A process beside the stack: its addresses from the endpoints file, with the credentials given. */
  private static Map<String, String> jobEnvironment(String password, String registryUserInfo) {
    Map<String, String> env = new HashMap<>(LocalStack.endpoints(new LocalStackConfig(dataDir, 0)));
    env.putAll(credentials(password, registryUserInfo));
    env.put("FLASHSALE_LOCAL_MODE", "true");
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_METRICS_PORT", "-1");
    env.put("FLASHSALE_REPORT_DIR", scratch.resolve("reports").toString());
    return env;
  }

  private static int verifyDraw(Map<String, String> env, String saleId, PrintStream out) {
    VerifyDrawCommand command = new VerifyDrawCommand(env, out);
    command.saleId = saleId;
    return command.call();
  }
}
