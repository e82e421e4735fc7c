package io.flashsale.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A crowd watching one sale: {@code count} open {@code /api/sales/{id}/events} streams from one process, read with a
 * single selector thread (a thread or an HTTP client per stream would measure the watchers, not the server). Each
 * stream counts the {@code event: sale} lines it receives: the first is the sale as it was when the stream opened,
 * the second the change being timed. The connections come from {@code sources} loopback addresses (127.0.0.1,
 * 127.0.0.2, ...), as one source address has only about 28,000 ports to connect from.
 *
 * <p>Run as a process of its own ({@link #main}): it opens the streams, prints {@code OPEN} once each has its first
 * event, then reads {@code CHANGE <epoch micros>} (when the change was made) and prints {@code RESULT <json>} once
 * every stream has the change or the time-out has passed.
 */
final class CrowdWatchers implements AutoCloseable {
  static final String OPEN = "OPEN";
  static final String CHANGE = "CHANGE";
  static final String RESULT = "RESULT";
  private static final byte[] EVENT = "event: sale".getBytes(StandardCharsets.US_ASCII);
  /**
   * Streams being opened at once (connecting, or waiting for their first event): the server's accept backlog is
   * finite, and a refused connect is a lost watcher.
   */
  private static final int MAX_OPENING = 500;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One stream: how far into {@link #EVENT} its bytes have matched, its events, when it had the second. */
  private static final class Watcher {
    final SocketChannel channel;
    ByteBuffer request;
    int matched;
    int events;
    long secondEventMicros = -1;

    Watcher(SocketChannel channel, ByteBuffer request) {
      this.channel = channel;
      this.request = request;
    }
  }

  /** What the crowd saw of one change: the delays from the change to each stream, in microseconds. */
  record Result(int streams, int reached, long p50Micros, long p99Micros, long maxMicros, long firstMicros, int failed) {
  }

  private final InetSocketAddress server;
  private final byte[] request;
  private final int count;
  private final int sources;
  private final Selector selector;
  private final List<Watcher> watchers = new ArrayList<>();
  private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(64 * 1024);
  private int opened;
  private int reached;
  private int failed;
  private String firstFailure;

  CrowdWatchers(URI eventsUrl, int count, int sources) throws IOException {
    this.server = new InetSocketAddress(eventsUrl.getHost(), eventsUrl.getPort());
    this.request = ("GET " + eventsUrl.getRawPath() + " HTTP/1.1\r\nHost: " + eventsUrl.getHost() + ":"
        + eventsUrl.getPort() + "\r\nAccept: text/event-stream\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    this.count = count;
    this.sources = Math.max(1, sources);
    this.selector = Selector.open();
  }

  /** Opens every stream and waits until each has its first event; {@code progress} hears of every tenth. */
  void open(Duration timeout, java.util.function.IntConsumer progress) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    int reported = 0;
    while (opened + failed < count) {
      while (watchers.size() < count && watchers.size() - opened - failed < MAX_OPENING) {
        connect();
      }
      select(deadline, "opening " + count + " streams");
      if (opened * 10L / count > reported) {
        reported = (int) (opened * 10L / count);
        progress.accept(opened);
      }
    }
  }

  /** Waits until every open stream has had its second event, or the time-out; delays from {@code changeMicros}. */
  Result awaitChange(long changeMicros, Duration timeout) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (reached < opened && System.nanoTime() < deadline) {
      selector.select(50);
      handle();
    }
    Histogram delays = new Histogram(TimeUnit.MINUTES.toMicros(10), 3);
    long first = Long.MAX_VALUE;
    for (Watcher watcher : watchers) {
      if (watcher.secondEventMicros >= 0) {
        long delay = Math.max(0, watcher.secondEventMicros - changeMicros);
        delays.recordValue(Math.min(delay, delays.getHighestTrackableValue()));
        first = Math.min(first, delay);
      }
    }
    return new Result(opened, reached, delays.getValueAtPercentile(50), delays.getValueAtPercentile(99),
        delays.getMaxValue(), first == Long.MAX_VALUE ? -1 : first, failed);
  }

  /** Streams that have had their first event. */
  int opened() {
    return opened;
  }

  int failed() {
    return failed;
  }

  String firstFailure() {
    return firstFailure;
  }

  private void connect() throws IOException {
    SocketChannel channel = SocketChannel.open();
    channel.configureBlocking(false);
    channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
    int source = watchers.size() % sources;
    channel.bind(new InetSocketAddress("127.0.0." + (1 + source), 0));
    Watcher watcher = new Watcher(channel, ByteBuffer.wrap(request));
    watchers.add(watcher);
    channel.register(selector, channel.connect(server) ? SelectionKey.OP_WRITE : SelectionKey.OP_CONNECT, watcher);
  }

  private void select(long deadline, String what) throws IOException {
    if (System.nanoTime() > deadline) {
      throw new IOException("Timed out " + what + ": " + opened + " open, " + failed + " failed"
          + (firstFailure == null ? "" : " (first: " + firstFailure + ")"));
    }
    selector.select(50);
    handle();
  }

  private void handle() {
    Iterator<SelectionKey> keys = selector.selectedKeys().iterator();
    while (keys.hasNext()) {
      SelectionKey key = keys.next();
      keys.remove();
      Watcher watcher = (Watcher) key.attachment();
      try {
        if (key.isConnectable()) {
          watcher.channel.finishConnect();
          key.interestOps(SelectionKey.OP_WRITE);
        } else if (key.isWritable()) {
          watcher.channel.write(watcher.request);
          if (!watcher.request.hasRemaining()) {
            watcher.request = null;
            key.interestOps(SelectionKey.OP_READ);
          }
        } else if (key.isReadable()) {
          read(watcher, key);
        }
      } catch (IOException e) {
        fail(watcher, key, e.toString());
      }
    }
  }

  private void read(Watcher watcher, SelectionKey key) throws IOException {
    readBuffer.clear();
    int read = watcher.channel.read(readBuffer);
    if (read < 0) {
      fail(watcher, key, "closed by the server after " + watcher.events + " events");
      return;
    }
    readBuffer.flip();
    while (readBuffer.hasRemaining()) {
      byte b = readBuffer.get();
      // Matching byte by byte keeps the state across reads: an event may arrive split over two of them.
      watcher.matched = b == EVENT[watcher.matched] ? watcher.matched + 1 : (b == EVENT[0] ? 1 : 0);
      if (watcher.matched == EVENT.length) {
        watcher.matched = 0;
        watcher.events++;
        if (watcher.events == 1) {
          opened++;
        } else if (watcher.events == 2) {
          reached++;
          watcher.secondEventMicros = nowMicros();
        }
      }
    }
  }

  private void fail(Watcher watcher, SelectionKey key, String why) {
    failed++;
    if (firstFailure == null) {
      firstFailure = why;
    }
    key.cancel();
    try {
      watcher.channel.close();
    } catch (IOException ignored) {
      // already gone
    }
  }

  static long nowMicros() {
    Instant now = Instant.now();
    return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
  }

  @Override
  public void close() throws IOException {
    for (Watcher watcher : watchers) {
      watcher.channel.close();
    }
    selector.close();
  }

  /** {@code CrowdWatchers <events url> <streams> <source addresses>}: the crowd as a process of its own. */
  public static void main(String[] args) throws Exception {
    URI url = URI.create(args[0]);
    int streams = Integer.parseInt(args[1]);
    int sources = Integer.parseInt(args[2]);
    BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    try (CrowdWatchers crowd = new CrowdWatchers(url, streams, sources)) {
      crowd.open(Duration.ofMinutes(10), opened -> System.out.println("PROGRESS " + opened));
      System.out.println(OPEN + " " + crowd.opened() + " " + crowd.failed());
      System.out.flush();
      String line = in.readLine();
      if (line == null || !line.startsWith(CHANGE + " ")) {
        throw new IllegalStateException("Expected " + CHANGE + ", got " + line);
      }
      Result result = crowd.awaitChange(Long.parseLong(line.substring(CHANGE.length() + 1).trim()), Duration.ofMinutes(1));
      System.out.println(RESULT + " " + JSON.writeValueAsString(result));
      System.out.flush();
    }
  }
}
