package io.flashsale.payments;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/** A shop's webhook endpoint in a JDK HttpServer: records every delivery and answers 200 unless told otherwise. */
final class WebhookReceiver implements AutoCloseable {

  /** One POST as it arrived. */
  record Delivery(String signature, String body, Instant receivedAt) {
    PaymentWebhook event() {
      return PaymentWebhook.parse(body);
    }
  }

  private final HttpServer server;
  private final BlockingQueue<Delivery> deliveries = new LinkedBlockingQueue<>();
  private final Queue<Integer> scriptedStatuses = new ConcurrentLinkedQueue<>();

  WebhookReceiver() {
    try {
      server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    server.createContext("/webhook", exchange -> {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      deliveries.add(new Delivery(exchange.getRequestHeaders().getFirst(WebhookSignature.HEADER), body, Instant.now()));
      Integer status = scriptedStatuses.poll();
      exchange.sendResponseHeaders(status != null ? status : 200, -1);
      exchange.close();
    });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/webhook";
  }

  /** The next deliveries are answered with these statuses, in order. */
  void answerNext(Integer... statuses) {
    scriptedStatuses.addAll(List.of(statuses));
  }

  /** The next delivery, or null if none arrives within the wait. */
  Delivery next(Duration wait) throws InterruptedException {
    return deliveries.poll(wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The next {@code count} deliveries; fails if they do not all arrive within the wait. */
  List<Delivery> next(Duration wait, int count) throws InterruptedException {
    List<Delivery> received = new ArrayList<>();
    long deadline = System.nanoTime() + wait.toNanos();
    while (received.size() < count) {
      Delivery delivery = deliveries.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
      if (delivery == null) {
        throw new AssertionError("Expected " + count + " deliveries within " + wait + ", got " + received.size());
      }
      received.add(delivery);
    }
    return received;
  }

  /** Every delivery arriving within the wait. */
  List<Delivery> during(Duration wait) throws InterruptedException {
    Thread.sleep(wait.toMillis());
    List<Delivery> all = new ArrayList<>();
    deliveries.drainTo(all);
    return all;
  }

  void clear() {
    deliveries.clear();
    scriptedStatuses.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
