package io.flashsale.api;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Many event-stream listeners at a cost that does not hide the server's: raw sockets on one selector thread,
 * HTTP/1.0 (so the stream comes unchunked until the server closes it), each counting the events and comments it
 * received and keeping the last event's data.
 */
final class EventStreams implements AutoCloseable {
  /** One listener's connection. */
  static final class Listener {
    private final SocketChannel channel;
    private final StringBuilder pending = new StringBuilder();
    private boolean headRead;
    volatile int status;
    final AtomicInteger events = new AtomicInteger();
    final AtomicInteger comments = new AtomicInteger();
    volatile String lastData;

    private Listener(SocketChannel channel) {
      this.channel = channel;
    }

    private void received(String text) {
      pending.append(text);
      if (!headRead) {
        int end = pending.indexOf("\r\n\r\n");
        if (end < 0) {
          return;
        }
        String statusLine = pending.substring(0, pending.indexOf("\r\n"));
        status = Integer.parseInt(statusLine.split(" ")[1]);
        pending.delete(0, end + 4);
        headRead = true;
      }
      int end;
      while ((end = pending.indexOf("\n\n")) >= 0) {
        String block = pending.substring(0, end);
        pending.delete(0, end + 2);
        if (block.startsWith(":")) {
          comments.incrementAndGet();
        } else if (block.startsWith("event: sale\n")) {
          lastData = block.substring(block.indexOf("data: ") + 6);
          events.incrementAndGet();
        }
      }
    }
  }

  private final Selector selector;
  private final List<Listener> listeners = new ArrayList<>();
  private final Thread reader;
  private volatile boolean running = true;

  /** Opens {@code count} streams of {@code path} on the local port. */
  EventStreams(int port, String path, int count) {
    try {
      selector = Selector.open();
      byte[] request = ("GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
      for (int i = 0; i < count; i++) {
        SocketChannel channel = SocketChannel.open(new InetSocketAddress("127.0.0.1", port));
        channel.write(ByteBuffer.wrap(request));
        channel.configureBlocking(false);
        listeners.add(new Listener(channel));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    reader = new Thread(this::read, "event-stream-listeners");
    reader.setDaemon(true);
    reader.start();
  }

  List<Listener> listeners() {
    return listeners;
  }

  /** Listeners that have received at least {@code events} events. */
  long withEventsAtLeast(int events) {
    return listeners.stream().filter(l -> l.events.get() >= events).count();
  }

  private void read() {
    try {
      for (Listener listener : listeners) {
        listener.channel.register(selector, SelectionKey.OP_READ, listener);
      }
      ByteBuffer buffer = ByteBuffer.allocate(16 * 1024);
      while (running) {
        selector.select(200);
        for (SelectionKey key : selector.selectedKeys()) {
          Listener listener = (Listener) key.attachment();
          buffer.clear();
          int read;
          try {
            read = listener.channel.read(buffer);
          } catch (IOException e) {
            read = -1;
          }
          if (read < 0) {
            key.cancel();
            continue;
          }
          buffer.flip();
          listener.received(StandardCharsets.UTF_8.decode(buffer).toString());
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    running = false;
    selector.wakeup();
    try {
      reader.join(5_000);
      for (Listener listener : listeners) {
        listener.channel.close();
      }
      selector.close();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
