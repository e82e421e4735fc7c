package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.sale.SaleBody;
import io.flashsale.local.Buyers.Answer;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The last draw through HTTP against the whole local stack (real broker, topology, API): after the sell-out a
 * waiting buyer is told it is in the last draw; a unit given back goes to a buyer drawn among those still waiting,
 * whose queue poll answers ADMITTED with a pass and whose purchase is held, while the others stay WAITING; the sale's
 * event stream names the winner by its tag; once the draw closes, {@code verify-draw} recomputes it from the log.
 */
class LastDrawTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir static Path dataDir;
  private static LocalStack stack;
  private static Buyers http;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    http = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    stack.close();
  }

  @Test
  void aUnitGivenBackAfterTheSellOutGoesToADrawnWaitingBuyerAndTheDrawVerifies() throws Exception {
    Instant startsAt = Instant.now().plusSeconds(4);
    Map<String, Object> definition = new HashMap<>(Map.of("sku", "LAST-" + startsAt.toEpochMilli(), "name", "Last draw",
        "stock", 2, "perUserLimit", 1, "priceCents", 999, "currency", "USD", "startsAt", startsAt.toString(),
        "endsAt", startsAt.plusSeconds(30).toString(), "holdSeconds", 20, "lastDraw", true));
    definition.put("waitingRoom", Map.of("admitPerSecond", 100, "passSeconds", 30));
    String saleId = http.createSale(definition);
    JsonNode created = http.call("GET", "/api/sales/" + saleId, null, null, Map.of()).body();
    assertThat(created.path("lastDraw").asBoolean()).isTrue();
    assertThat(created.path("drawSeedHash").asText()).matches("[0-9a-f]{64}");

    List<String> users = new ArrayList<>();
    Map<String, String> queueTokens = new HashMap<>();
    for (int i = 0; i < 6; i++) {
      String user = "last-" + i + "-" + saleId;
      users.add(user);
      Answer joined = http.call("POST", "/api/sales/" + saleId + "/queue", Buyers.tokenFor(user), Map.of(), Map.of());
      assertThat(joined.status()).as("%s", joined.body()).isEqualTo(202);
      queueTokens.put(user, joined.body().path("queueToken").asText());
    }
    // The first two buyers take the stock: the sale sells out.
    List<String> holds = new ArrayList<>();
    for (String user : users.subList(0, 2)) {
      String pass = admitted(user, queueTokens.get(user)).path("purchasePass").asText();
      Answer bought = http.call("POST", "/api/sales/" + saleId + "/purchases", Buyers.tokenFor(user),
          Map.of("quantity", 1), Map.of("Flashsale-Pass", pass));
      assertThat(bought.status()).as("%s", bought.body()).isEqualTo(202);
      String requestId = bought.body().path("requestId").asText();
      http.awaitStatus(Buyers.tokenFor(user), requestId, "ACCEPTED", PATIENCE);
      holds.add(requestId);
    }
    // The second buyer pays: a hold that ran out (20 s, less than a slow machine can take to the checks below) would
    // start a second round and admit a second waiting buyer, seen in a CI run.
    http.pay(Buyers.tokenFor(users.get(1)), holds.get(1), PATIENCE);
    await().atMost(PATIENCE).until(() -> "SOLD_OUT".equals(
        http.call("GET", "/api/sales/" + saleId, null, null, Map.of()).body().path("status").asText()));
    for (String user : users.subList(2, 6)) {
      JsonNode waiting = queue(user, queueTokens.get(user));
      assertThat(waiting.path("status").asText()).as("%s", waiting).isEqualTo("WAITING");
      assertThat(waiting.path("lastDraw").asBoolean()).as("told it is in the last draw: %s", waiting).isTrue();
    }

    CompletableFuture<String> streamed = firstRoundOnTheEventStream(saleId);
    assertThat(http.cancel(Buyers.tokenFor(users.get(0)), holds.get(0)).status()).isEqualTo(202);

    JsonNode round = await().atMost(PATIENCE).until(
        () -> http.call("GET", "/api/sales/" + saleId, null, null, Map.of()).body().path("lastDrawRound"),
        node -> !node.isMissingNode() && !node.isNull());
    assertThat(round.path("winners").asInt()).isEqualTo(1);
    String tag = round.path("winnerTags").get(0).asText();
    String winner = users.stream().filter(u -> SaleBody.LastDrawRoundBody.tag(saleId, u).equals(tag)).findFirst()
        .orElseThrow();
    assertThat(winner).as("a buyer who was given a unit is not waiting").isNotIn(users.get(0), users.get(1));
    assertThat(streamed.get(30, java.util.concurrent.TimeUnit.SECONDS)).as("the event stream names the winner")
        .contains(tag);

    JsonNode admitted = queue(winner, queueTokens.get(winner));
    assertThat(admitted.path("status").asText()).as("%s", admitted).isEqualTo("ADMITTED");
    Answer claim = http.call("POST", "/api/sales/" + saleId + "/purchases", Buyers.tokenFor(winner),
        Map.of("quantity", 1), Map.of("Flashsale-Pass", admitted.path("purchasePass").asText()));
    assertThat(claim.status()).as("the winner's purchase passes the edge: %s", claim.body()).isEqualTo(202);
    String claimed = claim.body().path("requestId").asText();
    http.awaitStatus(Buyers.tokenFor(winner), claimed, "ACCEPTED", PATIENCE);
    http.pay(Buyers.tokenFor(winner), claimed, PATIENCE);
    for (String user : users.subList(2, 6)) {
      if (!user.equals(winner)) {
        JsonNode loser = queue(user, queueTokens.get(user));
        assertThat(loser.path("status").asText()).as("%s", loser).isEqualTo("WAITING");
        assertThat(loser.has("purchasePass")).isFalse();
      }
    }

    // The draw closes holdSeconds after the end, with its seed; verify-draw recomputes every round from the log.
    JsonNode closed = await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofSeconds(1))
        .until(() -> http.draw(saleId), answer -> answer.status() == 200).body();
    assertThat(closed.path("winners").asLong()).isGreaterThanOrEqualTo(1);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int exit = new CommandLine(new VerifyDrawCommand(LocalStack.endpoints(new LocalStackConfig(dataDir, 0)),
        new PrintStream(out, true, StandardCharsets.UTF_8))).execute(saleId);
    assertThat(exit).as(out.toString(StandardCharsets.UTF_8)).isZero();
    for (String user : users.subList(2, 6)) {
      if (!user.equals(winner)) {
        assertThat(queue(user, queueTokens.get(user)).path("status").asText()).as("the draw closed").isEqualTo("ENDED");
      }
    }
  }

  /** The data of the first event of the sale's stream that carries a round of its last draw. */
  private static CompletableFuture<String> firstRoundOnTheEventStream(String saleId) {
    HttpRequest request = HttpRequest.newBuilder(URI.create(stack.apiUrl() + "/api/sales/" + saleId + "/events"))
        .GET().build();
    return HttpClient.newHttpClient().sendAsync(request, HttpResponse.BodyHandlers.ofLines())
        .thenApplyAsync(response -> {
          try (Stream<String> lines = response.body()) {
            return lines.filter(line -> line.startsWith("data:") && line.contains("\"lastDrawRound\""))
                .findFirst().orElseThrow();
          }
        });
  }

  private static JsonNode admitted(String user, String queueToken) {
    return await().atMost(PATIENCE).until(() -> queue(user, queueToken), body -> "ADMITTED".equals(
        body.path("status").asText()));
  }

  private static JsonNode queue(String user, String queueToken) {
    return http.call("GET", "/api/queue/" + queueToken + "?waitMs=0", Buyers.tokenFor(user), null, Map.of()).body();
  }
}
