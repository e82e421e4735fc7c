package io.flashsale.reconciliation.nightly;

import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.PaymentProvider.Payment;
import io.flashsale.payments.PaymentProvider.PaymentOrder;
import io.flashsale.payments.PaymentSimulator;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.reconciliation.SaleStory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;

/**
 * The payment simulator, over HTTP, whose clock stands still at a given time so that everything it settles
 * falls on one day. No webhooks are sent: the tests write the payment events into the log themselves.
 */
final class SimulatedProvider implements AutoCloseable {
  private final PaymentSimulator simulator;
  final PaymentProvider port;
  private final HttpClient http = HttpClient.newHttpClient();

  SimulatedProvider(Instant now) {
    simulator = PaymentSimulator.start(SimulatorConfig.local(null), Clock.fixed(now, ZoneOffset.UTC));
    port = new HttpPaymentProvider(simulator.baseUrl(), SimulatorConfig.LOCAL_API_KEY);
  }

  String url() {
    return simulator.baseUrl();
  }

  /** A payment for the story's request, paid by the buyer if {@code pay}, else left pending. */
  Payment payment(SaleStory story, int request, int quantity, String attempt, boolean pay) {
    Payment payment = port.createPayment(new PaymentOrder(story.requestId(request) + "-" + attempt,
        story.requestId(request), story.saleId, story.sku, "user-" + request, SaleStory.PRICE_CENTS * quantity,
        SaleStory.CURRENCY));
    if (pay) {
      post("/pay/" + payment.paymentId() + "/complete", "{\"outcome\": \"SUCCEEDED\"}");
    }
    return payment;
  }

  /** One payment for an order of several purchases, itemised, paid by the buyer if {@code pay}, else left pending. */
  Payment order(String orderId, List<PaymentProvider.Item> items, boolean pay) {
    Payment payment = port.createPayment(PaymentOrder.ofOrder(orderId, "buyer-" + orderId, items, SaleStory.CURRENCY,
        null, null, null));
    if (pay) {
      post("/pay/" + payment.paymentId() + "/complete", "{\"outcome\": \"SUCCEEDED\"}");
    }
    return payment;
  }

  /** Sets the simulator's faults, for instance {@code {"shortSettlements": 1}}. */
  void faults(String json) {
    post("/v1/simulator/faults", json);
  }

  private void post(String path, String json) {
    try {
      HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create(simulator.baseUrl() + path))
          .header("Authorization", "Bearer " + SimulatorConfig.LOCAL_API_KEY)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString(json)).build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() >= 300) {
        throw new IllegalStateException("POST " + path + ": HTTP " + response.statusCode() + " " + response.body());
      }
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  @Override
  public void close() {
    simulator.close();
  }
}
