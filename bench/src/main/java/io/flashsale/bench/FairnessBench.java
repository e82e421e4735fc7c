package io.flashsale.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.ApiConfig;
import io.flashsale.local.BuyerTokens;
import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Semaphore;
import java.util.function.Function;
import org.apache.kafka.common.utils.Utils;

/**
 * Who wins a sale with a hundred buyers per unit: through the waiting room (all joined before the start) and,
 * beside it in the same run, first come first served with the buyers clicking in the same order. Reported: the
 * share of the stock won by the first 10 % to arrive, the most units any device got (a tenth of the accounts are
 * a bot farm on a few devices; the sale allows one unit per device), the Gini coefficient of units per user, and
 * the rate of joins the API takes, with and without a proof of work (solved beforehand, so the figure is the
 * server's cost of checking it).
 */
final class FairnessBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int CONCURRENCY = 256;
  private static final int BOT_DEVICES = 5;
  private static final int PROOF_BITS = 12;

  private final BenchConfig config;
  private final BenchResults results;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(10)).build();
  private String baseUrl;

  FairnessBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  /** One buyer: an account, and the device it uses (shared by the bot farm's accounts). */
  private record Buyer(String userId, String deviceId, String token) {}

  void run() throws Exception {
    int stock = config.quick() ? 10 : 50;
    int buyers = stock * 100;
    Path dataDir = Files.createTempDirectory("flashsale-bench-fairness");
    Map<String, String> env = FlashBench.stackEnvironment();
    // Every buyer here joins from one address: the bound on one address's proofs of work (2,000) guards an instance
    // against one client, and the proof-of-work rate below is 2,000 joins after a warm-up one.
    env.put("FLASHSALE_USED_CHALLENGES_PER_ADDRESS", Integer.toString(buyers + 1_000));
    System.out.printf("%nFairness: %,d buyers for %,d units, through the waiting room and first come first served%n",
        buyers, stock);
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
      baseUrl = stack.apiUrl();
      while (call("GET", "/health/ready", null, null, Map.of()).join().statusCode() != 200) {
        Thread.sleep(200);
      }
      List<Buyer> crowd = crowd("wr", buyers);
      Map<String, Integer> roomWins = waitingRoom(crowd, stock);
      Map<String, Integer> fcfsWins = firstComeFirstServed(crowd("fcfs", buyers), stock);
      report("waiting_room", crowd, roomWins, stock);
      report("fcfs", crowd("fcfs", buyers), fcfsWins, stock);
      proofOfWorkJoinRate(crowd("pow", Math.min(buyers, 2_000)));
    } finally {
      Utils.delete(dataDir.toFile());
    }
  }

  /** Joins in order before the start, then each admitted buyer buys once with the pass. Returns units by user. */
  private Map<String, Integer> waitingRoom(List<Buyer> crowd, int stock) throws Exception {
    // Everybody joins before the start: the figure is about the pre-queue (later joiners queue first come first served).
    Instant startsAt = Instant.now().plusSeconds(config.quick() ? 60 : 120);
    String saleId = createSale("fair-room", stock, startsAt, Map.of("admitPerSecond", 200, "preQueueSeconds", 900));
    List<String> queueTokens = inOrder(crowd, buyer -> join(buyer, saleId, "{}").thenApply(r -> field(r, "queueToken")));
    long preQueued = queueTokens.stream().filter(FairnessBench::inPreQueue).count();
    if (preQueued < crowd.size()) {
      throw new IllegalStateException("Only " + preQueued + " of " + crowd.size() + " joined before the start");
    }
    System.out.printf("  %,d joined before the start, at %s%n", crowd.size(), startsAt);
    List<CompletableFuture<String>> outcomes = new ArrayList<>();
    for (int i = 0; i < crowd.size(); i++) {
      Buyer buyer = crowd.get(i);
      outcomes.add(admission(buyer, queueTokens.get(i)).thenCompose(pass -> pass == null
          ? CompletableFuture.completedFuture("NOT_ADMITTED")
          : call("POST", "/api/sales/" + saleId + "/purchases", buyer.token(), "{\"quantity\":1}",
              Map.of("Flashsale-Pass", pass)).thenCompose(r -> decision(buyer, r))));
    }
    return wins(crowd, outcomes);
  }

  /** Everybody clicks at once, in the same order as they joined the waiting room. */
  private Map<String, Integer> firstComeFirstServed(List<Buyer> crowd, int stock) throws Exception {
    String saleId = createSale("fair-fcfs", stock, Instant.now().minusSeconds(1), null);
    List<CompletableFuture<String>> outcomes = new ArrayList<>();
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    for (Buyer buyer : crowd) {
      inFlight.acquire();
      outcomes.add(call("POST", "/api/sales/" + saleId + "/purchases", buyer.token(), "{\"quantity\":1}", Map.of())
          .thenCompose(r -> decision(buyer, r)).whenComplete((done, error) -> inFlight.release()));
    }
    return wins(crowd, outcomes);
  }

  /**
   * Joins per second to a waiting room without a proof of work, and to one with a proof the buyers solved
   * beforehand, back to back: the difference is the server's cost of checking a proof.
   */
  private void proofOfWorkJoinRate(List<Buyer> crowd) throws Exception {
    for (int bits : new int[] {0, PROOF_BITS}) {
      Instant startsAt = Instant.now().plusSeconds(600);
      String saleId = createSale("fair-join-" + bits, 1, startsAt, Map.of("admitPerSecond", 200, "proofOfWorkBits", bits));
      Buyer warmUp = crowd("warm-" + bits, 1).get(0);
      join(warmUp, saleId, joinBody(warmUp, saleId, bits).join()).join(); // the partition's first record is slow
      List<String> bodies = inOrder(crowd, buyer -> joinBody(buyer, saleId, bits));
      Map<String, String> bodyOf = new HashMap<>();
      for (int i = 0; i < crowd.size(); i++) {
        bodyOf.put(crowd.get(i).userId(), bodies.get(i));
      }
      long started = System.nanoTime();
      List<Integer> statuses = inOrder(crowd, buyer -> join(buyer, saleId, bodyOf.get(buyer.userId()))
          .thenApply(HttpResponse::statusCode));
      double rate = crowd.size() / ((System.nanoTime() - started) / 1e9);
      long refused = statuses.stream().filter(status -> status != 202).count();
      if (refused > 0) {
        throw new IllegalStateException(refused + " joins refused with " + bits + " bits of proof of work");
      }
      results.details.put(bits == 0 ? "fairness_joins_per_second" : "fairness_joins_per_second_with_proof", Math.round(rate));
      System.out.printf("  %,d joins with %d bits of proof of work: %,.0f/s%n", crowd.size(), bits, rate);
    }
    results.details.put("fairness_proof_bits", PROOF_BITS);
  }

  /** The body of a join: empty, or a challenge of the buyer's with its solved nonce. */
  private CompletableFuture<String> joinBody(Buyer buyer, String saleId, int bits) {
    if (bits == 0) {
      return CompletableFuture.completedFuture("{}");
    }
    return call("GET", "/api/sales/" + saleId + "/challenge", buyer.token(), null, Map.of()).thenApply(r -> {
      String challenge = field(r, "challenge");
      return "{\"challenge\":\"" + challenge + "\",\"nonce\":\"" + solve(challenge) + "\"}";
    });
  }

  private void report(String scenario, List<Buyer> crowd, Map<String, Integer> wins, int stock) {
    int firstTenth = crowd.size() / 10;
    long early = crowd.subList(0, firstTenth).stream().mapToLong(b -> wins.getOrDefault(b.userId(), 0)).sum();
    Map<String, Integer> perDevice = new HashMap<>();
    crowd.forEach(b -> perDevice.merge(b.deviceId(), wins.getOrDefault(b.userId(), 0), Integer::sum));
    int sold = wins.values().stream().mapToInt(Integer::intValue).sum();
    double share = sold == 0 ? 0 : early / (double) sold;
    double gini = gini(crowd.stream().mapToInt(b -> wins.getOrDefault(b.userId(), 0)).toArray());
    int maxPerDevice = perDevice.values().stream().mapToInt(Integer::intValue).max().orElse(0);
    results.details.put("fairness_" + scenario + "_units_sold", sold);
    results.details.put("fairness_" + scenario + "_first_tenth_share", Math.round(share * 1000) / 1000.0);
    results.details.put("fairness_" + scenario + "_max_units_per_device", maxPerDevice);
    results.details.put("fairness_" + scenario + "_gini_units_per_user", Math.round(gini * 1000) / 1000.0);
    System.out.printf("  %s: %d of %d units sold; the first 10%% to arrive won %.1f%%; at most %d per device; Gini %.3f%n",
        scenario, sold, stock, share * 100, maxPerDevice, gini);
  }

  /** A tenth of the accounts share {@link #BOT_DEVICES} devices, spread through the crowd. */
  private static List<Buyer> crowd(String prefix, int size) {
    List<Buyer> crowd = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      String user = prefix + "-buyer-" + i;
      String device = i % 10 == 3 ? "bot-farm-" + (i % BOT_DEVICES) : prefix + "-device-" + i;
      crowd.add(new Buyer(user, device, BuyerTokens.mint(ApiConfig.LOCAL_JWT_SECRET, user, device, Duration.ofHours(2))));
    }
    return crowd;
  }

  /** Sends one call per buyer in order, at most {@link #CONCURRENCY} at once; the answers in the same order. */
  private static <T> List<T> inOrder(List<Buyer> crowd, Function<Buyer, CompletableFuture<T>> call) throws Exception {
    Semaphore inFlight = new Semaphore(CONCURRENCY);
    List<CompletableFuture<T>> calls = new ArrayList<>();
    try (ScenarioTicker progress = ScenarioTicker.start("calls", crowd.size())) {
      for (Buyer buyer : crowd) {
        inFlight.acquire();
        calls.add(call.apply(buyer).whenComplete((done, error) -> {
          inFlight.release();
          progress.add(1);
        }));
      }
      return calls.stream().map(CompletableFuture::join).toList();
    }
  }

  /** Whether a queue token's place is in the pre-queue: its payload is readable, only its signature is secret. */
  static boolean inPreQueue(String queueToken) {
    String payload = new String(java.util.Base64.getUrlDecoder().decode(queueToken.substring(0, queueToken.indexOf('.'))),
        StandardCharsets.UTF_8);
    // saleId, userId, place, preQueue and, since idle kicks, when the buyer was last heard from
    return payload.split("\n", -1)[3].equals("true");
  }

  /** Joins, again after a 503 as the API asks (a retry keeps the place). */
  private CompletableFuture<HttpResponse<String>> join(Buyer buyer, String saleId, String body) {
    return call("POST", "/api/sales/" + saleId + "/queue", buyer.token(), body, Map.of()).thenCompose(r ->
        r.statusCode() == 503 ? join(buyer, saleId, body) : CompletableFuture.completedFuture(r));
  }

  /** Long-polls the queue until admitted (the pass) or told the sale is over (null). */
  private CompletableFuture<String> admission(Buyer buyer, String queueToken) {
    return call("GET", "/api/queue/" + queueToken + "?waitMs=20000", buyer.token(), null, Map.of()).thenCompose(r -> {
      String status = field(r, "status");
      return switch (status) {
        case "ADMITTED" -> CompletableFuture.completedFuture(field(r, "purchasePass"));
        case "WAITING" -> admission(buyer, queueToken);
        default -> CompletableFuture.completedFuture(null);
      };
    });
  }

  private CompletableFuture<String> decision(Buyer buyer, HttpResponse<String> submitted) {
    if (submitted.statusCode() != 202) {
      return CompletableFuture.completedFuture("HTTP " + submitted.statusCode());
    }
    return poll(buyer, field(submitted, "requestId"));
  }

  private CompletableFuture<String> poll(Buyer buyer, String requestId) {
    return call("GET", "/api/purchases/" + requestId + "?waitMs=5000", buyer.token(), null, Map.of()).thenCompose(r -> {
      String status = field(r, "status");
      return status.equals("PENDING") ? poll(buyer, requestId) : CompletableFuture.completedFuture(status);
    });
  }

  private static Map<String, Integer> wins(List<Buyer> crowd, List<CompletableFuture<String>> outcomes) {
    Map<String, Integer> wins = new HashMap<>();
    for (int i = 0; i < crowd.size(); i++) {
      if (outcomes.get(i).join().equals("ACCEPTED")) {
        wins.merge(crowd.get(i).userId(), 1, Integer::sum);
      }
    }
    return wins;
  }

  private String createSale(String name, int stock, Instant startsAt, Map<String, Object> room) throws Exception {
    Map<String, Object> sale = new HashMap<>(Map.of("sku", "SKU-" + name, "name", "Bench " + name, "stock", stock,
        "perUserLimit", 1, "perDeviceLimit", 1, "priceCents", 4999, "currency", "USD",
        "startsAt", startsAt.toString(), "endsAt", startsAt.plus(Duration.ofHours(1)).toString()));
    if (room != null) {
      sale.put("waitingRoom", room);
    }
    HttpResponse<String> created = call("POST", "/api/admin/sales", ApiConfig.LOCAL_ADMIN_TOKEN,
        JSON.writeValueAsString(sale), Map.of()).join();
    if (created.statusCode() != 201) {
      throw new IllegalStateException("Sale not created: " + created.body());
    }
    return field(created, "saleId");
  }

  private CompletableFuture<HttpResponse<String>> call(String method, String path, String token, String body,
                                                       Map<String, String> headers) {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      request.header("Authorization", "Bearer " + token);
    }
    headers.forEach(request::header);
    return http.sendAsync(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String field(HttpResponse<String> response, String name) {
    return BuyerClient.field(response.body(), name);
  }

  private static String solve(String challenge) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      for (long n = 0; ; n++) {
        byte[] hash = sha.digest((challenge + ":" + n).getBytes(StandardCharsets.UTF_8));
        int zeros = 0;
        for (byte b : hash) {
          if (b != 0) {
            zeros += Integer.numberOfLeadingZeros(b & 0xFF) - 24;
            break;
          }
          zeros += 8;
        }
        if (zeros >= PROOF_BITS) {
          return Long.toString(n);
        }
      }
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The Gini coefficient: 0 when everyone has the same, near 1 when one has everything. */
  static double gini(int[] values) {
    int[] sorted = values.clone();
    Arrays.sort(sorted);
    long total = 0;
    double weighted = 0;
    for (int i = 0; i < sorted.length; i++) {
      total += sorted[i];
      weighted += (i + 1) * (double) sorted[i];
    }
    int n = sorted.length;
    return total == 0 ? 0 : (2 * weighted) / (n * (double) total) - (n + 1) / (double) n;
  }
}
