package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * Many buyers clicking at once: each buyer clicks several times, and every third buyer also retries
 * its first click with the same Idempotency-Key, concurrently. Records what the API answered. With several API
 * instances, buyer {@code b} clicks through instance {@code b mod n} and polls through the next one, so every
 * request is answered by an instance that did not take it.
 */
final class Rush {
  /** A request the API took, with the index of the instance that took it. */
  record Submitted(String requestId, String userId, String token, int quantity, int api) {}

  private static final int RETRIES_OF_FIRST_CLICK = 2;

  final Map<String, Submitted> acceptedForProcessing = new ConcurrentHashMap<>();
  final Map<String, List<String>> requestIdsByIdempotencyKey = new ConcurrentHashMap<>();
  final Map<Integer, AtomicInteger> answersByStatus = new ConcurrentHashMap<>();
  final Map<String, String> finalStatusByRequestId = new ConcurrentHashMap<>();
  final Map<String, String> reasonByRequestId = new ConcurrentHashMap<>();
  /** Clicks answered 503, by Idempotency-Key, with their buyer: such a click may or may not have been stored. */
  final Map<String, String> userIdByKeyAnsweredUnavailable = new ConcurrentHashMap<>();
  /** Clicks sent and not answered yet. */
  final AtomicInteger inFlight = new AtomicInteger();

  private final List<Buyers> apis;
  private final String saleId;
  private final Random random = new Random(42);
  /** Problem codes a well-formed click may get; in a rush on a healthy stack only the edge's sold-out. */
  private Set<String> expectedProblems = Set.of("SOLD_OUT");
  private Predicate<String> buyerFilter = userId -> true;
  private int firstBuyer;

  Rush(Buyers buyers, String saleId) {
    this(List.of(buyers), saleId);
  }

  /** A rush spread over these API instances. */
  Rush(List<Buyers> apis, String saleId) {
    this.apis = List.copyOf(apis);
    this.saleId = saleId;
  }

  /** Also accepts these problem codes as answers, e.g. UNAVAILABLE while a broker fails over. */
  Rush tolerating(String... codes) {
    expectedProblems = Stream.concat(expectedProblems.stream(), Stream.of(codes)).collect(Collectors.toSet());
    return this;
  }

  /** Only buyers whose id passes {@code filter} click, counted from the {@code first}-th id on (for later waves). */
  Rush onlyBuyers(Predicate<String> filter, int first) {
    buyerFilter = filter;
    firstBuyer = first;
    return this;
  }

  /** Sends every click of every buyer through a pool of {@code concurrency} threads; returns when all were answered. */
  Rush run(int buyerCount, int clicksPerBuyer, int maxQuantity, int concurrency) throws Exception {
    List<Runnable> clicks = new ArrayList<>();
    for (int b = firstBuyer, chosen = 0; chosen < buyerCount; b++) {
      String userId = "buyer-" + saleId + "-" + b;
      if (!buyerFilter.test(userId)) {
        continue;
      }
      chosen++;
      String token = Buyers.tokenFor(userId);
      int api = b % apis.size();
      for (int c = 0; c < clicksPerBuyer; c++) {
        String key = userId + "-click-" + c;
        int quantity = 1 + random.nextInt(maxQuantity);
        int copies = (c == 0 && b % 3 == 0) ? 1 + RETRIES_OF_FIRST_CLICK : 1;
        for (int i = 0; i < copies; i++) {
          clicks.add(() -> click(api, userId, token, quantity, key));
        }
      }
    }
    Collections.shuffle(clicks, random);
    runAll(clicks, concurrency);
    return this;
  }

  private void click(int api, String userId, String token, int quantity, String key) {
    inFlight.incrementAndGet();
    Buyers.Answer answer;
    try {
      answer = apis.get(api).purchase(token, saleId, quantity, key);
    } finally {
      inFlight.decrementAndGet();
    }
    answersByStatus.computeIfAbsent(answer.status(), s -> new AtomicInteger()).incrementAndGet();
    if (answer.status() == 202) {
      String requestId = answer.body().get("requestId").asText();
      acceptedForProcessing.putIfAbsent(requestId, new Submitted(requestId, userId, token, quantity, api));
      requestIdsByIdempotencyKey.computeIfAbsent(key, k -> Collections.synchronizedList(new ArrayList<>())).add(requestId);
    } else {
      assertThat(answer.contentType()).as("answer %s", answer).startsWith("application/problem+json");
      assertThat(answer.status()).as("answer %s", answer).isIn(409, 429, 503);
      assertThat(answer.body().get("code").asText()).as("answer %s", answer).isIn(expectedProblems);
      if (answer.status() == 503) {
        userIdByKeyAnsweredUnavailable.put(key, userId);
      }
    }
  }

  /** Long-polls every request the API took, through the next instance, until it leaves PENDING. */
  Rush awaitDecisions(int concurrency, long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    List<Runnable> polls = new ArrayList<>();
    for (Submitted s : acceptedForProcessing.values()) {
      Buyers poller = apis.get((s.api() + 1) % apis.size());
      polls.add(() -> {
        while (System.currentTimeMillis() < deadline) {
          Buyers.Answer answer = poller.poll(s.token(), s.requestId(), 5_000);
          assertThat(answer.status()).as("poll %s", answer).isEqualTo(200);
          JsonNode body = answer.body();
          String status = body.get("status").asText();
          if (!status.equals("PENDING")) {
            finalStatusByRequestId.put(s.requestId(), status);
            if (body.hasNonNull("reason")) {
              reasonByRequestId.put(s.requestId(), body.get("reason").asText());
            }
            return;
          }
        }
      });
    }
    runAll(polls, concurrency);
    return this;
  }

  int acceptedUnits() {
    return finalStatusByRequestId.entrySet().stream()
        .filter(e -> e.getValue().equals("ACCEPTED"))
        .mapToInt(e -> acceptedForProcessing.get(e.getKey()).quantity())
        .sum();
  }

  Map<String, Integer> acceptedUnitsByUser() {
    Map<String, Integer> byUser = new ConcurrentHashMap<>();
    finalStatusByRequestId.forEach((requestId, status) -> {
      if (status.equals("ACCEPTED")) {
        Submitted s = acceptedForProcessing.get(requestId);
        byUser.merge(s.userId(), s.quantity(), Integer::sum);
      }
    });
    return byUser;
  }

  private static void runAll(List<Runnable> tasks, int concurrency) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      List<Future<?>> futures = new ArrayList<>();
      for (Runnable task : tasks) {
        futures.add(pool.submit(task));
      }
      for (Future<?> f : futures) {
        f.get(); // rethrows a failed assertion of any click or poll
      }
    } finally {
      pool.shutdown();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
