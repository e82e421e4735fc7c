package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.schemas.StockLevel;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code GET /api/sales/{saleId}/events} over real HTTP, the topology played by writing stock levels: an event per
 * change, the status moving by the clock, heartbeats, thousands of listeners on one instance without a thread
 * each, and nothing left of a listener that went away.
 */
class SaleEventsTest {
  private static final Duration HEARTBEAT = Duration.ofMillis(500);
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    // Its thousands of listeners all come from 127.0.0.1.
    fixture = ApiFixture.start(Map.of("FLASHSALE_EVENTS_HEARTBEAT_MS", Long.toString(HEARTBEAT.toMillis()),
        "FLASHSALE_EVENT_STREAMS_PER_ADDRESS", "10000"));
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void aListenerGetsTheSaleAtOnceThenAnEventAfterEachStockChange() throws Exception {
    String saleId = fixture.createSale(Map.of("stock", 5));
    try (Listener listener = Listener.open(saleId)) {
      assertThat(listener.next().path("remaining").asInt()).isEqualTo(5);

      for (int available = 4; available >= 0; available--) {
        fixture.produce(fixture.topics.stockLevels, saleId, level(saleId, 5, available));
        JsonNode event = listener.next();
        assertThat(event.path("saleId").asText()).isEqualTo(saleId);
        assertThat(event.path("remaining").asInt()).isEqualTo(available);
        assertThat(event.path("status").asText()).isEqualTo(available == 0 ? "SOLD_OUT" : "LIVE");
      }
    }
  }

  @Test
  void theStatusTurnsLiveAtTheStartWithoutAnyRecord() throws Exception {
    Instant startsAt = Instant.now().plusSeconds(2);
    String saleId = fixture.createSale(Map.of("startsAt", startsAt.toString()));
    try (Listener listener = Listener.open(saleId)) {
      assertThat(listener.next().path("status").asText()).isEqualTo("SCHEDULED");
      JsonNode live = listener.next();
      assertThat(live.path("status").asText()).isEqualTo("LIVE");
      assertThat(Instant.parse(live.path("serverTime").asText())).isAfterOrEqualTo(startsAt);
    }
  }

  @Test
  void anIdleStreamGetsACommentLineEveryHeartbeat() throws Exception {
    String saleId = fixture.createSale(Map.of());
    try (Listener listener = Listener.open(saleId)) {
      listener.next();
      await().atMost(Duration.ofSeconds(10)).until(() -> listener.comments.size() >= 2);
      assertThat(listener.comments).allMatch(line -> line.startsWith(":"));
    }
  }

  @Test
  void anUnknownSaleIsAProblemNotAStream() {
    fixture.call("GET", "/api/sales/no-such-sale/events").send().assertProblem(404, ErrorCode.SALE_NOT_FOUND);
  }

  /**
   * 2,000 listeners of one sale on one instance: each gets the sale, then the change; the server's threads do not
   * grow with them; once they go away every subscription is removed and the threads are as before.
   */
  @Test
  void twoThousandListenersCostNoThreadEachAndNothingOnceGone() {
    String saleId = fixture.createSale(Map.of("stock", 100));
    int count = 2_000;
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.api.openEventStreams() == 0); // other tests' gone
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    int openBefore = fixture.api.openEventStreams();
    try (EventStreams streams = new EventStreams(fixture.api.port(), "/api/sales/" + saleId + "/events", count)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> streams.withEventsAtLeast(1) == count);
      assertThat(fixture.api.openEventStreams() - openBefore).isEqualTo(count);
      assertThat(streams.listeners()).allMatch(l -> l.status == 200);
      int threadsOpen = ManagementFactory.getThreadMXBean().getThreadCount();

      fixture.produce(fixture.topics.stockLevels, saleId, level(saleId, 100, 99));
      await().atMost(Duration.ofSeconds(30)).until(() -> streams.withEventsAtLeast(2) == count);
      assertThat(streams.listeners()).allMatch(l -> l.lastData.contains("\"remaining\":99"));
      // The client's one reader thread, and the server's pool at most grown to its fixed size: nothing per stream.
      assertThat(threadsOpen - threadsBefore).as("threads for %d streams", count).isLessThan(50);
    }
    // Gone: found at the next write (a heartbeat at the latest) and removed.
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.api.openEventStreams() == openBefore);
    await().atMost(Duration.ofSeconds(30)).until(() ->
        ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + 20);
  }

  /** What a thousand open streams cost on this instance: printed, and the figures in the README come from here. */
  @Test
  void measuresWhatAThousandStreamsCost() throws Exception {
    String saleId = fixture.createSale(Map.of("stock", 100));
    MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
    int count = 1_000;
    // Warm up Jetty's pools and the code paths, so that the figures are the streams' and not the first use.
    try (EventStreams warm = new EventStreams(fixture.api.port(), "/api/sales/" + saleId + "/events", 200)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> warm.withEventsAtLeast(1) == 200);
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> fixture.api.openEventStreams() == 0);
    long heapBefore = settledHeap(memory);
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    long started = System.nanoTime();
    try (EventStreams streams = new EventStreams(fixture.api.port(), "/api/sales/" + saleId + "/events", count)) {
      await().atMost(Duration.ofSeconds(60)).until(() -> streams.withEventsAtLeast(1) == count);
      long openedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
      long heapOpen = settledHeap(memory);
      int threadsOpen = ManagementFactory.getThreadMXBean().getThreadCount();
      long fanOutStart = System.nanoTime();
      fixture.produce(fixture.topics.stockLevels, saleId, level(saleId, 100, 98));
      await().atMost(Duration.ofSeconds(30)).until(() -> streams.withEventsAtLeast(2) == count);
      long fanOutMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - fanOutStart);
      long perStreamBytes = (heapOpen - heapBefore) / count;
      System.out.printf("Event streams: %d open in %d ms; heap +%d KiB (%d bytes a stream, client sockets included),"
              + " threads %d -> %d; a change reached all %d in %d ms (record produced to last event read)%n",
          count, openedMs, (heapOpen - heapBefore) / 1024, perStreamBytes, threadsBefore, threadsOpen, count,
          fanOutMs);
      assertThat(perStreamBytes).as("heap per stream").isLessThan(64 * 1024);
      assertThat(threadsOpen - threadsBefore).isLessThan(50);
    }
  }

  private static long settledHeap(MemoryMXBean memory) throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(200); // lets the collector finish; a measurement, not a synchronisation
      used = Math.min(used, memory.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  static StockLevel level(String saleId, int stock, int available) {
    return StockLevel.newBuilder()
        .setSaleId(saleId).setSku("SKU-" + saleId).setStock(stock).setAvailable(available)
        .setReserved(stock - available).setConfirmed(0).setRequests(stock - available)
        .setAccepted(stock - available).setRejected(new HashMap<>()).setExpired(0).setCancelled(0)
        .setUpdatedAt(Instant.now()).build();
  }

  /** One listener over HTTP/1.1 with the JDK client, as a browser's EventSource reads the stream (chunked). */
  private static final class Listener implements AutoCloseable {
    private final InputStream body;
    private final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final BlockingQueue<String> comments = new LinkedBlockingQueue<>();
    private final Thread reader;

    private Listener(HttpResponse<InputStream> response) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(
          type -> assertThat(type).startsWith("text/event-stream"));
      this.body = response.body();
      reader = new Thread(this::read, "sse-listener");
      reader.setDaemon(true);
      reader.start();
    }

    static Listener open(String saleId) throws Exception {
      HttpRequest request = HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + fixture.api.port() + "/api/sales/" + saleId + "/events")).GET().build();
      return new Listener(HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofInputStream()));
    }

    private void read() {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
        String event = null;
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          if (line.startsWith(":")) {
            comments.add(line);
          } else if (line.startsWith("event: ")) {
            event = line.substring(7);
          } else if (line.startsWith("data: ") && "sale".equals(event)) {
            events.add(line.substring(6));
          }
        }
      } catch (Exception e) {
        // closed by the test
      }
    }

    /** The next event's data, waiting up to 20 s. */
    JsonNode next() throws Exception {
      String data = events.poll(20, TimeUnit.SECONDS);
      assertThat(data).as("an event within 20 s").isNotNull();
      return ApiFixture.JSON.readTree(data);
    }

    @Override
    public void close() throws Exception {
      body.close();
    }
  }
}
