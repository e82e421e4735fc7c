package io.flashsale.api.sale;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;

/** One client's stream: events queued here and written whenever its connection can take them. */
final class SaleEventStream implements WriteListener {
  /** Events a client may have queued unwritten; beyond, the older ones are dropped: each event is the whole state. */
  static final int MAX_QUEUED = 4;

  final String saleId;
  final CompletableFuture<Void> closed = new CompletableFuture<>();
  private final ServletOutputStream out;
  private final ArrayDeque<byte[]> queued = new ArrayDeque<>();
  private boolean unflushed;

  SaleEventStream(String saleId, ServletOutputStream out) {
    this.saleId = saleId;
    this.out = out;
  }

  void send(byte[] bytes) {
    if (!offer(bytes)) {
      close(); // outside the lock: completing the request runs Javalin's and Jetty's code
    }
  }

  @Override
  public void onWritePossible() {
    if (!drainLocked()) {
      close();
    }
  }

  @Override
  public void onError(Throwable failure) {
    close();
  }

  /** False once the stream failed. */
  private synchronized boolean offer(byte[] bytes) {
    if (closed.isDone()) {
      return true;
    }
    if (queued.size() >= MAX_QUEUED) {
      queued.pollFirst(); // a later event says all an earlier one did
    }
    queued.addLast(bytes);
    return drain();
  }

  private synchronized boolean drainLocked() {
    return drain();
  }

  /**
   * Writes while the connection takes it; when it does not, Jetty calls {@link #onWritePossible} later. False
   * when the connection failed.
   */
  private boolean drain() {
    try {
      while (!closed.isDone() && out.isReady()) {
        byte[] next = queued.pollFirst();
        if (next != null) {
          out.write(next);
          unflushed = true;
        } else if (unflushed) {
          unflushed = false;
          out.flush();
        } else {
          return true;
        }
      }
      return true;
    } catch (IOException | IllegalStateException e) {
      return false;
    }
  }

  void close() {
    closed.complete(null);
  }
}
