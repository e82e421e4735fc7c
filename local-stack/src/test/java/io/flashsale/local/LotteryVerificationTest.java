package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.schemas.DrawResult;
import io.flashsale.schemas.OutcomeStatus;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseOutcome;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * Two lotteries on the whole local stack, bought through HTTP (some buyers click several times, under several keys),
 * drawn by the topology at their end: {@code verify-draw} agrees with each published draw; a request appended to
 * {@code purchase-requests} after the draw cannot change it (the broker stamps it after the end); a forged
 * {@code lottery-draws} record and a forged ACCEPTED outcome are both caught. A third lottery's draw is cut off early
 * for real: an entry logged inside its window sits in a transaction left open until the draw is published, so the
 * topology reads it only once the draw is over; that draw is consistent with its own claim of its last entry, and
 * {@code verify-draw} still refuses it, naming the entry it left out.
 */
class LotteryVerificationTest {
  private static final Duration PATIENCE = Duration.ofSeconds(90);
  private static final int BUYERS = 30;
  private static final int CUT_OFF_STOCK = 5;
  private static final int CUT_OFF_BUYERS = 3;

  @org.junit.jupiter.api.io.TempDir static Path dataDir;
  static LocalStack stack;
  static Buyers buyers;
  static Topics topics;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    buyers = new Buyers(stack.apiUrl());
    topics = Topics.using(SchemaRegistry.forUrl(stack.schemaRegistryUrl()));
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void verifyDrawAgreesWithThePublishedDrawAndCatchesForgeries() throws Exception {
    Duration window = Duration.ofSeconds(20);
    String forgedDraw = created(buyers.createLottery("SKU-LOT-A", 7, 1, window));
    String forgedOutcome = created(buyers.createLottery("SKU-LOT-B", 5, 1, window));
    Instant cutOffEndsAfter = Instant.now().plus(window);
    String cutOff = created(buyers.createLottery("SKU-LOT-C", CUT_OFF_STOCK, 1, window));
    assertThat(buyers.draw(forgedDraw).status()).as("no draw before the end").isEqualTo(409);
    long started = System.nanoTime();
    for (int i = 0; i < CUT_OFF_BUYERS; i++) { // fewer buyers than units: every ticket wins
      assertThat(buyers.purchase(Buyers.tokenFor("early-" + i), cutOff, 1, null).status()).isEqualTo(202);
    }
    for (String saleId : List.of(forgedDraw, forgedOutcome)) {
      for (int i = 0; i < BUYERS; i++) {
        String user = "buyer-" + i;
        assertThat(buyers.purchase(Buyers.tokenFor(user), saleId, 1, user + "-first").status()).isEqualTo(202);
        if (i % 3 == 0) { // a second click under another key: still one ticket
          assertThat(buyers.purchase(Buyers.tokenFor(user), saleId, 1, user + "-again").status()).isEqualTo(202);
        }
      }
    }
    System.out.printf("Submitted %d purchases in %.1f s%n", 2 * (BUYERS + BUYERS / 3),
        (System.nanoTime() - started) / 1e9);

    // One more entry of sale C, logged (LogAppendTime) inside its window but readable only once the draw is out.
    PurchaseRequest held = PurchaseRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setSaleId(cutOff).setSku("SKU-LOT-C").setUserId("held-back").setQuantity(1)
        .setRequestedAt(Instant.now()).build();
    JsonNode drawC;
    try (KafkaProducer<String, PurchaseBatch> open = transactionalProducer()) {
      open.initTransactions();
      open.beginTransaction();
      long loggedAt = open.send(new ProducerRecord<>(Topics.PURCHASE_REQUESTS, "SKU-LOT-C",
          new PurchaseBatch("SKU-LOT-C", List.of(held)))).get().timestamp();
      assertThat(Instant.ofEpochMilli(loggedAt)).as("logged inside the window")
          .isBefore(cutOffEndsAfter);
      drawC = awaitDraw(cutOff);
      open.commitTransaction();
    }

    JsonNode drawA = awaitDraw(forgedDraw);
    JsonNode drawB = awaitDraw(forgedOutcome);
    assertThat(drawA.path("entries").asLong()).isEqualTo(BUYERS);
    assertThat(drawA.path("winners").asLong()).isEqualTo(7);
    assertThat(drawB.path("winners").asLong()).isEqualTo(5);
    assertThat(verify(forgedDraw).exitCode()).isZero();
    assertThat(verify(forgedOutcome).exitCode()).isZero();

    // The cut-off draw agrees with itself: its winners are ACCEPTED, the held-back entry lost once read.
    assertThat(drawC.path("entries").asLong()).isEqualTo(CUT_OFF_BUYERS);
    assertThat(drawC.path("winners").asLong()).isEqualTo(CUT_OFF_BUYERS);
    await().atMost(PATIENCE).until(() -> TopicLog.readAll(stack.bootstrapServers(), topics.purchaseOutcomes).stream()
        .map(ConsumerRecord::value).anyMatch(o -> o.getRequestId().equals(held.getRequestId())
            && o.getReason() == io.flashsale.schemas.RejectReason.LOTTERY_LOST));
    Verified early = verify(cutOff);
    assertThat(early.exitCode()).as("a draw cut off early").isEqualTo(VerifyDrawCommand.MISMATCH);
    assertThat(early.output()).contains("does NOT match")
        .contains("winners: published " + CUT_OFF_BUYERS + ", recomputed " + (CUT_OFF_BUYERS + 1))
        .contains("cut off early").contains("1 entries of the sale's window").contains(held.getRequestId())
        .contains("winners of the draw never ACCEPTED on purchase-outcomes: [" + held.getRequestId() + "]");

    // A request for the sale appended after the draw: stamped by the broker after the end, it is no entry.
    PurchaseRequest late = PurchaseRequest.newBuilder().setRequestId(UUID.randomUUID().toString())
        .setSaleId(forgedDraw).setSku("SKU-LOT-A").setUserId("latecomer").setQuantity(1)
        .setRequestedAt(Instant.now().minus(window)).build();
    produce(topics.purchaseRequests, "SKU-LOT-A", new PurchaseBatch("SKU-LOT-A", List.of(late)));
    assertThat(verify(forgedDraw).exitCode()).as("an appended request changes nothing").isZero();

    // A forged draw record: another digest and one more winner.
    DrawResult published = single(TopicLog.readAll(stack.bootstrapServers(), topics.lotteryDraws).stream()
        .map(ConsumerRecord::value).filter(d -> d.getSaleId().equals(forgedDraw)).toList());
    produce(topics.lotteryDraws, forgedDraw, DrawResult.newBuilder(published)
        .setWinners(published.getWinners() + 1).setEntriesDigest("0".repeat(64)).build());
    Verified forged = verify(forgedDraw);
    assertThat(forged.exitCode()).isEqualTo(VerifyDrawCommand.MISMATCH);
    assertThat(forged.output()).contains("does NOT match").contains("a second, different draw record");

    // A forged outcome: a loser of the other sale shown as ACCEPTED.
    PurchaseOutcome loser = TopicLog.readAll(stack.bootstrapServers(), topics.purchaseOutcomes).stream()
        .map(ConsumerRecord::value)
        .filter(o -> o.getSaleId().equals(forgedOutcome) && o.getStatus() == OutcomeStatus.REJECTED
            && o.getReason() == io.flashsale.schemas.RejectReason.LOTTERY_LOST)
        .findFirst().orElseThrow();
    produce(topics.purchaseOutcomes, loser.getRequestId(), PurchaseOutcome.newBuilder(loser)
        .setStatus(OutcomeStatus.ACCEPTED).setReason(null).build());
    Verified tampered = verify(forgedOutcome);
    assertThat(tampered.exitCode()).isEqualTo(VerifyDrawCommand.MISMATCH);
    assertThat(tampered.output()).contains("no winner of the draw: [" + loser.getRequestId() + "]");

    assertThat(verify("no-such-sale").exitCode()).isEqualTo(VerifyDrawCommand.NOTHING_TO_VERIFY);
  }

  private record Verified(int exitCode, String output) {}

  /** Runs {@code verify-draw} as {@code ./flashsale} does: the addresses from the running stack's endpoints file. */
  private static Verified verify(String saleId) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Map<String, String> env = LocalStack.endpoints(new LocalStackConfig(dataDir, 0));
    long started = System.nanoTime();
    int exitCode = new CommandLine(new VerifyDrawCommand(env, new PrintStream(out, true, StandardCharsets.UTF_8)))
        .execute(saleId);
    String output = out.toString(StandardCharsets.UTF_8);
    System.out.printf("verify-draw %s: exit %d in %.1f s%n%s", saleId, exitCode, (System.nanoTime() - started) / 1e9,
        output);
    return new Verified(exitCode, output);
  }

  private static JsonNode awaitDraw(String saleId) {
    await().atMost(PATIENCE).pollInterval(Duration.ofMillis(500)).until(() -> buyers.draw(saleId).status() == 200);
    return buyers.draw(saleId).body();
  }

  private static String created(Buyers.Answer answer) {
    assertThat(answer.status()).as("created %s", answer).isEqualTo(201);
    assertThat(answer.body().path("drawSeedHash").asText()).matches("[0-9a-f]{64}");
    return answer.body().path("saleId").asText();
  }

  private static <K, V> void produce(Topics.Topic<K, V> topic, K key, V value) throws Exception {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    try (KafkaProducer<K, V> producer =
        new KafkaProducer<>(props, topic.keySerde().serializer(), topic.valueSerde().serializer())) {
      producer.send(new ProducerRecord<>(topic.name(), key, value)).get();
    }
  }

  /** A producer whose transaction stays open as long as the test wants: read_committed readers stop before it. */
  private static KafkaProducer<String, PurchaseBatch> transactionalProducer() {
    Properties props = new Properties();
    props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, stack.bootstrapServers());
    props.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "held-entry-" + UUID.randomUUID());
    props.put(ProducerConfig.TRANSACTION_TIMEOUT_CONFIG, (int) Duration.ofMinutes(3).toMillis());
    return new KafkaProducer<>(props, topics.purchaseRequests.keySerde().serializer(),
        topics.purchaseRequests.valueSerde().serializer());
  }

  private static <T> T single(List<T> values) {
    assertThat(values).hasSize(1);
    return values.get(0);
  }
}
