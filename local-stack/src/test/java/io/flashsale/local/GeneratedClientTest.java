package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.client.ApiClient;
import io.flashsale.client.ApiException;
import io.flashsale.client.api.HealthApi;
import io.flashsale.client.api.PurchasesApi;
import io.flashsale.client.api.SalesApi;
import io.flashsale.client.model.Checkout;
import io.flashsale.client.model.Purchase;
import io.flashsale.client.model.PurchaseOrder;
import io.flashsale.client.model.Sale;
import io.flashsale.client.model.SaleDefinition;
import io.flashsale.client.model.Submitted;
import java.net.http.HttpClient;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The published contract is usable as it is: a Java client generated from openapi.yaml at build time
 * (openapi-generator, java.net.http) runs the purchase flow against the running stack. Its mapper refuses fields
 * the document does not declare, so an answer that outgrew its schema fails here.
 */
class GeneratedClientTest {
  @TempDir static Path dataDir;
  static LocalStack stack;
  static ApiClient client;

  @BeforeAll
  static void startStack() {
    stack = TestStack.start(dataDir, 2);
    ObjectMapper strict = ApiClient.createDefaultObjectMapper()
        .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);
    client = new ApiClient(HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1), strict, stack.apiUrl());
  }

  @AfterAll
  static void stopStack() {
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void createsASaleBuysAndPaysThroughTheGeneratedClient() throws Exception {
    Map<String, String> admin = bearer(Buyers.ADMIN_TOKEN);
    Map<String, String> alice = bearer(Buyers.tokenFor("alice"));
    SalesApi sales = new SalesApi(client);
    PurchasesApi purchases = new PurchasesApi(client);

    assertThat(new HealthApi(client).getReadiness().getStatus().getValue()).isEqualTo("READY");

    OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC);
    Sale created = sales.createSale(new SaleDefinition()
        .saleId("generated-client")
        .sku("SKU-GEN")
        .name("Generated client")
        .stock(3)
        .priceCents(4999L)
        .currency("USD")
        .startsAt(now.minusMinutes(1))
        .endsAt(now.plusHours(1)), admin);
    assertThat(created.getSaleId()).isEqualTo("generated-client");
    assertThat(created.getStock()).isEqualTo(3);
    assertThat(sales.getSale("generated-client").getStatus()).isEqualTo(Sale.StatusEnum.LIVE);

    Submitted submitted = purchases.createPurchase("generated-client", new PurchaseOrder().quantity(1), "click-1",
        "flow-generated", null, alice);
    assertThat(submitted.getStatus()).isEqualTo(Submitted.StatusEnum.PENDING);
    assertThat(submitted.getFlowId()).isEqualTo("flow-generated");
    String requestId = submitted.getRequestId();
    // The same Idempotency-Key answers the same request.
    assertThat(purchases.createPurchase("generated-client", new PurchaseOrder().quantity(1), "click-1", null, null, alice)
        .getRequestId()).isEqualTo(requestId);

    Purchase accepted = awaitStatus(purchases, requestId, alice, Purchase.StatusEnum.ACCEPTED);
    assertThat(accepted.getSaleId()).isEqualTo("generated-client");
    assertThat(accepted.getQuantity()).isEqualTo(1);
    assertThat(accepted.getHoldExpiresAt()).isAfter(OffsetDateTime.now(ZoneOffset.UTC));

    Checkout checkout = purchases.checkoutPurchase(requestId, null, alice);
    assertThat(checkout.getPaymentId()).isNotBlank();
    assertThat(checkout.getFlowId()).as("the purchase's flow").isEqualTo("flow-generated");
    Buyers.Answer paid = new Buyers(stack.apiUrl()).completePayment(checkout.getRedirectUrl().toString(), "SUCCEEDED");
    assertThat(paid.status()).as(String.valueOf(paid.body())).isEqualTo(202);
    Purchase confirmed = awaitStatus(purchases, requestId, alice, Purchase.StatusEnum.CONFIRMED);
    assertThat(confirmed.getOrderId()).isEqualTo(requestId);

    // Another buyer's token does not see the purchase: the client surfaces the documented 404.
    ApiException notHers = catchThrowableOfType(ApiException.class,
        () -> purchases.getPurchase(requestId, 0, bearer(Buyers.tokenFor("bob"))));
    assertThat(notHers.getCode()).isEqualTo(404);
    assertThat(notHers.getResponseBody()).contains("PURCHASE_NOT_FOUND");
  }

  private static Purchase awaitStatus(PurchasesApi purchases, String requestId, Map<String, String> token,
      Purchase.StatusEnum status) {
    return await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
        .until(() -> purchases.getPurchase(requestId, 2000, token), purchase -> purchase.getStatus() == status);
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }
}
