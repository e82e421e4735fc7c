package io.flashsale.bench;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.eclipse.jetty.client.HttpClient;
import org.eclipse.jetty.client.BufferingResponseListener;
import org.eclipse.jetty.client.BytesRequestContent;
import org.eclipse.jetty.client.Result;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * The flash's buyers: each buyer clicks once (POST purchase), and a click that gets a 202 long-polls its purchase
 * until it is decided; a 409 (sold out at the edge) is the decision itself. Open loop: click i is due at a time set
 * by {@link FlashRamp} before it is sent, and every latency runs from that intended start, so a wait for a connection
 * or for the server counts (no coordinated omission).
 *
 * <p>It runs in a JVM of its own ({@link #launch}), so that its CPU is measured apart from the stack's. The client is
 * Jetty's asynchronous one: two clients, one for the clicks and one for the long-polls, so that long-polls waiting
 * for decisions never hold the connections the clicks need. The JDK's client was measured costing more CPU than the
 * server it drove; wrk cannot follow a 202 with a long-poll of the id in its body at an open-loop rate.
 */
final class FlashClicks {
  /** Printed by the child when the clock starts and when the last click has its answer: the CPU window. */
  static final String STARTED = "FLASH-CLICKS-STARTED";
  static final String FINISHED = "FLASH-CLICKS-FINISHED";
  /** Between the child and its parent: tokens signed, go on, figures written. */
  private static final String READY = "FLASH-CLICKS-READY";
  private static final String GO = "go";
  private static final String SKIP = "skip";
  private static final String WRITTEN = "FLASH-CLICKS-WRITTEN";
  static final int LONG_POLL_MS = 5_000;
  /** A click without its decision this long after its intended start counts as timed out. */
  static final Duration DECISION_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration POST_TIMEOUT = Duration.ofSeconds(30);
  private static final long CLIENT_IDLE_TIMEOUT_MS = 20_000;
  private static final byte[] BODY = "{\"quantity\":1}".getBytes(StandardCharsets.US_ASCII);
  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Where and how the clicks go.
   *
   * @param baseUrl the API (or the bare ceiling server)
   * @param jwtSecret the buyers' tokens are signed with it (the API's FLASHSALE_JWT_SECRET)
   * @param clickConnections most connections for clicks (beyond them, clicks queue in the client, and the wait counts)
   * @param pollConnections most connections for long-polls
   * @param phases run one after another in one JVM, each when the parent says so: a warm-up, then what is measured
   */
  record Plan(
      @JsonProperty("base_url") String baseUrl,
      @JsonProperty("jwt_secret") String jwtSecret,
      @JsonProperty("click_connections") int clickConnections,
      @JsonProperty("poll_connections") int pollConnections,
      @JsonProperty("phases") List<Phase> phases) {}

  /**
   * One run of clicks.
   *
   * @param buyerPrefix user ids are prefix + index: distinct buyers across the phases of one stack
   * @param buyers clicks, one per buyer
   * @param startRate clicks per second at first
   * @param maxRate most clicks per second; with {@code ramp} false the rate stays at startRate
   */
  record Phase(
      @JsonProperty("sale_id") String saleId,
      @JsonProperty("buyer_prefix") String buyerPrefix,
      @JsonProperty("buyers") int buyers,
      @JsonProperty("start_rate") double startRate,
      @JsonProperty("max_rate") double maxRate,
      @JsonProperty("ramp") boolean ramp) {}

  private final Plan plan;
  private final Phase phase;
  private final String[] authorizations;
  private final String purchaseUrl;
  private final Histogram post = new ConcurrentHistogram(Latency.newHistogram());
  private final Histogram decision = new ConcurrentHistogram(Latency.newHistogram());
  private final Histogram decisionAfter202 = new ConcurrentHistogram(Latency.newHistogram());
  private final Histogram schedulerLag = new ConcurrentHistogram(Latency.newHistogram());
  private final LongAdder postsOpen = new LongAdder();
  private final LongAdder postsAnswered = new LongAdder();
  private final LongAdder accepted202 = new LongAdder();
  private final LongAdder soldOut409 = new LongAdder();
  private final LongAdder accepted = new LongAdder();
  private final LongAdder rejected = new LongAdder();
  private final LongAdder serverErrors = new LongAdder();
  private final LongAdder timedOut = new LongAdder();
  private final LongAdder otherFailures = new LongAdder();
  private final LongAdder pollRetries = new LongAdder();
  private final Map<String, LongAdder> statuses = new ConcurrentHashMap<>();
  private final AtomicLong lastAcceptedNanos = new AtomicLong();
  private final AtomicLong firstSoldOutNanos = new AtomicLong();
  private final AtomicLong lastAnswerNanos = new AtomicLong();
  private final List<String> sampleFailures = java.util.Collections.synchronizedList(new ArrayList<>());
  private final CountDownLatch finished;
  private final HttpClient clicks;
  private final HttpClient polls;
  private FlashTimeline timeline;
  private long startNanos;
  private ScenarioTicker progress;

  private FlashClicks(Plan plan, Phase phase, String[] authorizations, HttpClient clicks, HttpClient polls) {
    this.plan = plan;
    this.phase = phase;
    this.authorizations = authorizations;
    this.clicks = clicks;
    this.polls = polls;
    this.finished = new CountDownLatch(phase.buyers());
    this.purchaseUrl = plan.baseUrl() + "/api/sales/" + phase.saleId() + "/purchases";
  }

  /** The clients of a plan: one for clicks, one for long-polls; stop them after the last phase. */
  static HttpClient[] clients(Plan plan) throws Exception {
    return new HttpClient[] {client("flash-clicks", plan.clickConnections()), client("flash-polls", plan.pollConnections())};
  }

  /** Signs one token per buyer before the clock starts: minting is set-up, not load. */
  static FlashClicks prepare(Plan plan, Phase phase, HttpClient[] clients) {
    Algorithm hmac = Algorithm.HMAC256(plan.jwtSecret());
    Instant expires = Instant.now().plus(Duration.ofHours(6));
    String[] authorizations = new String[phase.buyers()];
    try (ScenarioTicker minting = ScenarioTicker.start("signing buyer tokens", phase.buyers())) {
      for (int i = 0; i < phase.buyers(); i++) {
        authorizations[i] = "Bearer " + JWT.create().withSubject(phase.buyerPrefix() + i)
            .withClaim("did", phase.buyerPrefix() + "device-" + i).withExpiresAt(expires).sign(hmac);
        minting.add(1);
      }
    }
    return new FlashClicks(plan, phase, authorizations, clients[0], clients[1]);
  }

  /** Runs the phase's clicks in this JVM; {@code started} is told when the clock starts. */
  FlashRun run(Runnable started) throws Exception {
    FlashRamp ramp = phase.ramp() ? FlashRamp.rising(phase.startRate(), phase.maxRate()) : FlashRamp.fixed(phase.startRate());
    long cpuBefore = ProcessCpu.selfNanos();
    try (ScenarioTicker shown = ScenarioTicker.start("clicks decided", phase.buyers(),
        () -> String.format("  offered %,.0f/s, %,d accepted, %,d sold-out 409s, %,d open POSTs", ramp.rate(),
            accepted.sum(), soldOut409.sum(), postsOpen.sum()))) {
      progress = shown;
      started.run();
      startNanos = System.nanoTime();
      timeline = new FlashTimeline(startNanos);
      long stepEnd = startNanos + FlashRamp.STEP_NANOS;
      long answeredAtStep = 0;
      long sentInStep = 0;
      double next = startNanos;
      long lastIntended = startNanos;
      for (int i = 0; i < phase.buyers(); i++) {
        long intended = (long) next;
        waitUntil(intended);
        long now = System.nanoTime();
        // The first click due after a step ends says how late the generator is: behind its schedule there, it did
        // not catch up within the step (a pause it caught up with does not count). A generator that stalled over
        // several steps adjusts once, over all of them.
        if (now >= stepEnd) {
          long steps = (now - stepEnd) / FlashRamp.STEP_NANOS + 1;
          long answered = postsAnswered.sum();
          ramp.adjust(new FlashRamp.Step(postsOpen.sum(), answered - answeredAtStep, steps * FlashRamp.STEP_NANOS,
              now - intended, sentInStep));
          answeredAtStep = answered;
          stepEnd += steps * FlashRamp.STEP_NANOS;
          sentInStep = 0;
        }
        sentInStep++;
        schedulerLag.recordValue(micros(now - intended));
        click(i, intended);
        lastIntended = intended;
        next += 1e9 / ramp.rate();
      }
      if (!finished.await(DECISION_TIMEOUT.toSeconds() + POST_TIMEOUT.toSeconds() + LONG_POLL_MS / 1000 + 30,
          TimeUnit.SECONDS)) {
        throw new IllegalStateException(finished.getCount() + " clicks neither answered nor timed out");
      }
      double cpuSeconds = (ProcessCpu.selfNanos() - cpuBefore) / 1e9;
      return result(lastIntended, ramp.peak(), cpuSeconds);
    }
  }

  private static HttpClient client(String name, int connections) throws Exception {
    HttpClient client = new HttpClient();
    QueuedThreadPool threads = new QueuedThreadPool(16, 2);
    threads.setName(name);
    threads.setDaemon(true);
    client.setExecutor(threads);
    client.setMaxConnectionsPerDestination(connections);
    client.setMaxRequestsQueuedPerDestination(Integer.MAX_VALUE);
    client.setUserAgentField(null);
    client.setFollowRedirects(false);
    client.setConnectTimeout(10_000);
    // Below the server's idle timeout (Jetty's 30 s): the client closes an idle connection before the server does,
    // so that a request is not sent on a connection the server is closing.
    client.setIdleTimeout(CLIENT_IDLE_TIMEOUT_MS);
    client.start();
    client.getContentDecoderFactories().clear(); // no Accept-Encoding: the answers are tiny
    return client;
  }

  private void click(int buyer, long intended) {
    timeline.offered(intended);
    postsOpen.increment();
    clicks.newRequest(purchaseUrl).method(HttpMethod.POST)
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, authorizations[buyer]).put(HttpHeader.CONTENT_TYPE, "application/json"))
        .body(new BytesRequestContent("application/json", BODY))
        .timeout(POST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .send(listener(result -> {
          long now = System.nanoTime();
          postsOpen.decrement();
          postsAnswered.increment();
          if (result.failed() != null) {
            fail(intended, now, result.failed());
            return;
          }
          post.recordValue(micros(now - intended));
          timeline.answered(now);
          int status = result.status();
          statuses.computeIfAbsent(String.valueOf(status), s -> new LongAdder()).increment();
          if (status == 202) {
            accepted202.increment();
            poll(buyer, field(result.body(), "requestId"), intended);
          } else if (status == 409) {
            soldOut409.increment();
            firstSoldOutNanos.compareAndSet(0, now);
            timeline.soldOut(now);
            decided(intended, now, false);
          } else {
            unexpected(intended, now, status, result.body());
          }
        }));
  }

  private void poll(int buyer, String requestId, long intended) {
    polls.newRequest(plan.baseUrl() + "/api/purchases/" + requestId + "?waitMs=" + LONG_POLL_MS)
        .headers(h -> h.put(HttpHeader.AUTHORIZATION, authorizations[buyer]))
        .timeout(LONG_POLL_MS + POST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
        .send(listener(result -> {
          long now = System.nanoTime();
          if (result.failed() instanceof java.io.IOException && now - intended < DECISION_TIMEOUT.toNanos()) {
            // The connection closed under the request (the server closed it as idle): a GET is asked again, as
            // any HTTP client does with an idempotent request.
            pollRetries.increment();
            poll(buyer, requestId, intended);
            return;
          }
          if (result.failed() != null) {
            fail(intended, now, result.failed());
            return;
          }
          if (result.status() != 200) {
            unexpected(intended, now, result.status(), result.body());
            return;
          }
          String status = field(result.body(), "status");
          switch (status) {
            case "PENDING" -> {
              if (now - intended > DECISION_TIMEOUT.toNanos()) {
                timedOut.increment();
                failed(now, "no decision " + DECISION_TIMEOUT.toSeconds() + " s after the click: " + requestId);
              } else {
                poll(buyer, requestId, intended);
              }
            }
            case "ACCEPTED" -> {
              accepted.increment();
              lastAcceptedNanos.accumulateAndGet(now, Math::max);
              timeline.accepted(now);
              decided(intended, now, true);
            }
            case "REJECTED" -> {
              rejected.increment();
              timeline.rejected(now);
              decided(intended, now, true);
            }
            default -> unexpected(intended, now, 200, result.body());
          }
        }));
  }

  private void decided(long intended, long now, boolean after202) {
    long latency = micros(now - intended);
    decision.recordValue(latency);
    if (after202) {
      decisionAfter202.recordValue(latency);
    }
    timeline.decision(intended, latency);
    done(now);
  }

  private void unexpected(long intended, long now, int status, String body) {
    if (status >= 500) {
      serverErrors.increment();
    } else {
      otherFailures.increment();
    }
    failed(now, "HTTP " + status + ": " + body);
  }

  private void fail(long intended, long now, Throwable error) {
    if (error instanceof java.util.concurrent.TimeoutException) {
      timedOut.increment();
    } else {
      otherFailures.increment();
    }
    failed(now, error.toString());
  }

  private void failed(long now, String why) {
    timeline.failed(now);
    if (sampleFailures.size() < 10) {
      sampleFailures.add(why.length() > 300 ? why.substring(0, 300) + "..." : why);
    }
    done(now);
  }

  private void done(long now) {
    lastAnswerNanos.accumulateAndGet(now, Math::max);
    progress.add(1);
    finished.countDown();
  }

  private FlashRun result(long lastIntended, double peakOffered, double cpuSeconds) {
    FlashTimeline.Seconds seconds = timeline.seconds();
    return new FlashRun(phase.buyers(), postsAnswered.sum(), accepted202.sum(), soldOut409.sum(), accepted.sum(),
        rejected.sum(), serverErrors.sum(), timedOut.sum(), otherFailures.sum(),
        statuses.entrySet().stream().collect(java.util.stream.Collectors.toMap(Map.Entry::getKey, e -> e.getValue().sum())),
        FlashRun.bestWindowRate(seconds.answered(), FlashRun.WINDOW_SECONDS), seconds(lastIntended),
        seconds(lastAnswerNanos.get()), lastAcceptedNanos.get() == 0 ? null : seconds(lastAcceptedNanos.get()),
        firstSoldOutNanos.get() == 0 ? null : seconds(firstSoldOutNanos.get()), peakOffered,
        schedulerLag.getValueAtPercentile(99) / 1000.0, cpuSeconds, encode(post), encode(decision),
        encode(decisionAfter202), seconds, List.copyOf(sampleFailures), pollRetries.sum());
  }

  private double seconds(long nanos) {
    return Math.round((nanos - startNanos) / 1e6) / 1000.0;
  }

  static String encode(Histogram histogram) {
    ByteBuffer buffer = ByteBuffer.allocate(histogram.getNeededByteBufferCapacity());
    int length = histogram.encodeIntoCompressedByteBuffer(buffer);
    return Base64.getEncoder().encodeToString(java.util.Arrays.copyOf(buffer.array(), length));
  }

  /** A field of a small JSON answer, found without a parser: the API writes these answers by hand. */
  static String field(String body, String name) {
    String key = "\"" + name + "\":\"";
    int start = body.indexOf(key);
    if (start < 0) {
      throw new IllegalStateException("No " + name + " in " + body);
    }
    start += key.length();
    return body.substring(start, body.indexOf('"', start));
  }

  /** An answer as the callbacks see it: the failure, or the status and body. */
  private record Answer(Throwable failed, int status, String body) {}

  private static BufferingResponseListener listener(Consumer<Answer> onAnswer) {
    return new BufferingResponseListener(16 * 1024) {
      @Override
      public void onComplete(Result result) {
        Throwable failure = result.getFailure();
        try {
          onAnswer.accept(failure != null ? new Answer(failure, 0, null)
              : new Answer(null, result.getResponse().getStatus(), getContentAsString(StandardCharsets.UTF_8)));
        } catch (RuntimeException e) {
          if (failure == null) {
            onAnswer.accept(new Answer(e, 0, null));
          } else {
            throw e;
          }
        }
      }
    };
  }

  // Parks rather than spins: the cores are shared with the stack. An overshoot counts in the latency anyway.
  private static void waitUntil(long nanos) {
    long remaining;
    while ((remaining = nanos - System.nanoTime()) > 0) {
      LockSupport.parkNanos(remaining);
    }
  }

  private static long micros(long nanos) {
    return Math.max(0, nanos / 1000);
  }

  /** JVM options of the child: {@code FLASHSALE_BENCH_CLICKS_JAVA_OPTS} adds to them (a JFR recording, say). */
  static List<String> childJvmOptions(int buyers) {
    // About 300 bytes of heap per buyer for its token, and room for the client's buffers.
    long heapMb = Math.max(256, 256 + buyers * 400L / (1024 * 1024));
    List<String> options = new ArrayList<>(List.of("-Xms" + heapMb + "m", "-Xmx" + heapMb + "m", "-XX:+UseParallelGC"));
    String extra = System.getenv("FLASHSALE_BENCH_CLICKS_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      options.addAll(List.of(extra.trim().split("\\s+")));
    }
    return options;
  }

  /**
   * A click generator in a JVM of its own, running a plan's phases one by one: {@link #next} starts the next phase and
   * returns its figures, so the parent can let the stack settle between phases while the generator stays warm.
   */
  static final class Session implements AutoCloseable {
    private final Process child;
    private final BufferedReader out;
    private final java.io.Writer in;
    private final Path resultFile;
    private int phase;

    private Session(Process child, Path resultFile) {
      this.child = child;
      this.out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
      this.in = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8);
      this.resultFile = resultFile;
    }

    /** Starts the generator; it signs the first phase's tokens and waits. */
    static Session start(Plan plan, Path workDir) throws IOException {
      Path planFile = Files.createTempFile(workDir, "flash-plan-", ".json");
      Path resultFile = Files.createTempFile(workDir, "flash-result-", ".json");
      JSON.writeValue(planFile.toFile(), plan);
      List<String> command = new ArrayList<>();
      command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      command.addAll(childJvmOptions(plan.phases().stream().mapToInt(Phase::buyers).max().orElse(0)));
      command.addAll(List.of("-cp", System.getProperty("java.class.path"), FlashClicks.class.getName(),
          planFile.toString(), resultFile.toString()));
      return new Session(new ProcessBuilder(command).redirectErrorStream(true).start(), resultFile);
    }

    /**
     * Runs the next phase, relaying the generator's progress; {@code started} and {@code finished} are told (with
     * the generator's pid) when its clock starts and when its last click has its answer.
     */
    FlashRun next(java.util.function.LongConsumer started, java.util.function.LongConsumer finished) throws IOException {
      await(READY);
      in.write(GO + "\n");
      in.flush();
      String line;
      while ((line = out.readLine()) != null) {
        if (line.equals(STARTED)) {
          started.accept(child.pid());
        } else if (line.equals(FINISHED)) {
          finished.accept(child.pid());
        } else if (line.equals(WRITTEN)) {
          return JSON.readValue(resultFile.resolveSibling(resultFile.getFileName() + "." + phase++).toFile(), FlashRun.class);
        } else {
          System.out.println(line);
        }
      }
      throw new IllegalStateException("The click generator ended (exit " + exit() + ")");
    }

    FlashRun next() throws IOException {
      return next(pid -> { }, pid -> { });
    }

    /** Passes over the next phase without running it (a warm-up round not needed). */
    void skip() throws IOException {
      await(READY);
      in.write(SKIP + "\n");
      in.flush();
      phase++;
    }

    private void await(String marker) throws IOException {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.equals(marker)) {
          return;
        }
        System.out.println(line);
      }
      throw new IllegalStateException("The click generator ended (exit " + exit() + ")");
    }

    private String exit() {
      try {
        return child.waitFor(10, TimeUnit.SECONDS) ? String.valueOf(child.exitValue()) : "none yet";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return "unknown";
      }
    }

    @Override
    public void close() throws IOException {
      try {
        in.close();
        if (!child.waitFor(1, TimeUnit.MINUTES)) {
          child.destroyForcibly();
        }
      } catch (InterruptedException e) {
        child.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * The child: {@code FlashClicks <plan.json> <result.json>}. For each phase it signs the tokens, says READY, waits
   * for GO on its input, runs the phase and writes its figures to result.json.&lt;phase&gt;; SKIP passes over it.
   */
  public static void main(String[] args) {
    try {
      Plan plan = JSON.readValue(Path.of(args[0]).toFile(), Plan.class);
      BufferedReader parent = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
      HttpClient[] clients = clients(plan);
      for (int i = 0; i < plan.phases().size(); i++) {
        FlashClicks clicks = prepare(plan, plan.phases().get(i), clients);
        say(READY);
        String order = parent.readLine();
        if (SKIP.equals(order)) {
          continue;
        }
        if (!GO.equals(order)) {
          break; // the parent is done with this generator
        }
        FlashRun run = clicks.run(() -> say(STARTED));
        say(FINISHED);
        JSON.writeValue(Path.of(args[1] + "." + i).toFile(), run);
        say(WRITTEN);
      }
      for (HttpClient client : clients) {
        client.stop();
      }
      System.exit(0);
    } catch (Throwable e) {
      // The client's threads would keep this JVM alive, and the parent waiting for it.
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  private static void say(String marker) {
    System.out.println(marker);
    System.out.flush();
  }

  static Histogram decode(String encoded) {
    try {
      return Histogram.decodeFromCompressedByteBuffer(ByteBuffer.wrap(Base64.getDecoder().decode(encoded)), 0);
    } catch (java.util.zip.DataFormatException e) {
      throw new IllegalArgumentException("Not an encoded histogram", e);
    }
  }
}
