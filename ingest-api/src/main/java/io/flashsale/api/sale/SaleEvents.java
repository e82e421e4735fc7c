package io.flashsale.api.sale;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.access.AbuseBounds;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import io.javalin.http.Header;
import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code GET /api/sales/{saleId}/events}: server-sent events fanned out from the local {@link SaleView}, never a
 * consumer or a thread per stream. A stream is an async request (Javalin's {@code ctx.future}, which holds no
 * thread) whose output is written non-blocking (a Servlet {@link WriteListener}), so a slow or dead client
 * stalls nobody. One thread looks at the sales that have listeners every {@link #COALESCE}: when a sale's
 * {@code remaining} or {@code status} differs from what its listeners were last sent, the sale's GET body is
 * rendered once and queued to each of them as an event {@code sale} (and so when a last draw publishes a round). The status also moves by the clock alone
 * (SCHEDULED to LIVE at the start), which this look sees as well. A comment line every heartbeat keeps proxies
 * from closing idle streams and finds clients that went away; a closed or failed stream is removed at once.
 * Streams are bounded per client address and in total ({@link AbuseBounds}): each holds a connection, and a client
 * opening thousands would take the descriptors everyone needs; past a bound the request is answered 429.
 */
public final class SaleEvents implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SaleEvents.class);
  /** At most this many events per second per sale: a rush moves the stock thousands of times a second. */
  static final Duration COALESCE = Duration.ofMillis(250);
  static final int STREAM_BUFFER_BYTES = 2_048;
  private static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);

  private final SaleView sales;
  private final Function<Sale, SaleBody> body;
  private final ObjectMapper mapper;
  private final long heartbeatMs;
  private final Map<String, Set<SaleEventStream>> listeners = new ConcurrentHashMap<>();
  /** What each sale's listeners were last sent: remaining and status. */
  private final Map<String, String> lastSent = new ConcurrentHashMap<>();
  private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
    Thread thread = new Thread(runnable, "flashsale-sale-events");
    thread.setDaemon(true);
    return thread;
  });
  private long lastHeartbeatMs = System.currentTimeMillis();
  /**
   * Retry-After of a refused stream: a browser's EventSource retries by itself after about 3 s; a reconnecting
   * client is asked to wait longer than that, as streams end only as their clients leave.
   */
  static final Duration RETRY_AFTER = Duration.ofSeconds(30);
  private final int maxStreams;
  private final int maxStreamsPerAddress;
  private final Function<Context, String> clientAddress;
  private final java.util.concurrent.atomic.AtomicInteger open = new java.util.concurrent.atomic.AtomicInteger();
  private final Map<String, Integer> openByAddress = new ConcurrentHashMap<>();

  public SaleEvents(SaleView sales, Function<Sale, SaleBody> body, ObjectMapper mapper, Duration heartbeat,
             AbuseBounds bounds, Function<Context, String> clientAddress) {
    this.maxStreams = bounds.eventStreams();
    this.maxStreamsPerAddress = bounds.eventStreamsPerAddress();
    this.clientAddress = clientAddress;
    this.sales = sales;
    this.body = body;
    this.mapper = mapper;
    this.heartbeatMs = heartbeat.toMillis();
    ticker.scheduleWithFixedDelay(this::tick, COALESCE.toMillis(), COALESCE.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The route: 404 for an unknown sale, else a stream that starts with the sale as it is now. */
  public void stream(Context ctx) {
    String saleId = ctx.pathParam("saleId");
    Sale sale = sales.sale(saleId).orElseThrow(() -> new Problem(ErrorCode.SALE_NOT_FOUND, "No sale " + saleId));
    String address = clientAddress.apply(ctx);
    reserve(address);
    ctx.status(200).contentType("text/event-stream; charset=utf-8")
        .header(Header.CACHE_CONTROL, "no-cache")
        .header("X-Accel-Buffering", "no"); // nginx: pass events on at once
    ctx.future(() -> open(sale, ctx, address));
  }

  /** Counts a stream of {@code address}, or RATE_LIMITED when it or this instance has as many as it may. */
  private void reserve(String address) {
    if (open.incrementAndGet() > maxStreams) {
      open.decrementAndGet();
      throw tooMany("this instance has " + maxStreams + " event streams open");
    }
    boolean[] taken = {false};
    openByAddress.compute(address, (a, count) -> {
      int now = count == null ? 0 : count;
      taken[0] = now < maxStreamsPerAddress;
      return taken[0] ? now + 1 : count;
    });
    if (!taken[0]) {
      open.decrementAndGet();
      throw tooMany("this client address has " + maxStreamsPerAddress + " event streams open");
    }
  }

  private void release(String address) {
    open.decrementAndGet();
    openByAddress.computeIfPresent(address, (a, count) -> count <= 1 ? null : count - 1);
  }

  private static Problem tooMany(String why) {
    return new Problem(ErrorCode.RATE_LIMITED, "Too many event streams: " + why,
        Map.of("Retry-After", Long.toString(RETRY_AFTER.toSeconds())), Map.of());
  }

  /** Streams counted against the bounds now (open, or being opened), in total and of one address. */
  int countedStreams() {
    return open.get();
  }

  int countedStreams(String address) {
    return openByAddress.getOrDefault(address, 0);
  }

  /** Open streams, for tests and measurements. */
  public int openStreams() {
    return listeners.values().stream().mapToInt(Set::size).sum();
  }

  private CompletableFuture<Void> open(Sale sale, Context ctx, String address) {
    SaleEventStream stream;
    try {
      ctx.req().getAsyncContext().setTimeout(0); // a stream lasts as long as its client, whatever the async timeout
      // An event is a few hundred bytes, written and flushed alone: Jetty's default response buffer of 32 KiB, held
      // as long as the stream, was 80 % of a stream's memory (40 KiB resident per stream, the crowd benchmark).
      ctx.res().setBufferSize(STREAM_BUFFER_BYTES);
      ServletOutputStream out = ctx.res().getOutputStream();
      stream = new SaleEventStream(sale.getSaleId(), out);
      out.setWriteListener(stream); // from here on every write is non-blocking
    } catch (IOException | RuntimeException e) {
      release(address);
      return CompletableFuture.failedFuture(e);
    }
    // Javalin cancels the future when the request errors or times out; either way the stream leaves.
    stream.closed.whenComplete((done, failure) -> {
      remove(stream);
      release(address);
    });
    listeners.computeIfAbsent(sale.getSaleId(), id -> ConcurrentHashMap.newKeySet()).add(stream);
    SaleBody now = body.apply(sale);
    // The first listener's state is what the sale's listeners were sent; a later one may differ from what
    // the others had, and then the next look sends it to all of them.
    lastSent.putIfAbsent(sale.getSaleId(), state(now));
    stream.send(render(now)); // the state now, so that a client needs no GET first
    return stream.closed;
  }

  private void remove(SaleEventStream stream) {
    listeners.computeIfPresent(stream.saleId, (id, streams) -> {
      streams.remove(stream);
      return streams.isEmpty() ? null : streams;
    });
  }

  private void tick() {
    try {
      long now = System.currentTimeMillis();
      boolean heartbeat = now - lastHeartbeatMs >= heartbeatMs;
      if (heartbeat) {
        lastHeartbeatMs = now;
      }
      lastSent.keySet().retainAll(listeners.keySet());
      listeners.forEach((saleId, streams) -> {
        Sale sale = sales.sale(saleId).orElse(null);
        if (sale == null) {
          return;
        }
        SaleBody current = body.apply(sale);
        String state = state(current);
        byte[] event = state.equals(lastSent.put(saleId, state)) ? null : render(current);
        for (SaleEventStream stream : streams) {
          if (event != null) {
            stream.send(event);
          }
          if (heartbeat) {
            stream.send(HEARTBEAT);
          }
        }
      });
    } catch (RuntimeException e) { // the ticker must outlive any one sale's trouble
      log.warn("Sale events tick failed", e);
    }
  }

  private static String state(SaleBody sale) {
    // A last draw's new round is news too: its winners learn it from the stream.
    return sale.remaining() + "/" + sale.status() + (sale.lastDrawRound() == null ? "" : "/" + sale.lastDrawRound().round());
  }

  private byte[] render(SaleBody saleBody) {
    try {
      return ("event: sale\ndata: " + mapper.writeValueAsString(saleBody) + "\n\n").getBytes(StandardCharsets.UTF_8);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A sale body is always serializable", e);
    }
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    listeners.values().forEach(streams -> streams.forEach(SaleEventStream::close));
  }
}
