package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.api.access.AdminJwt;
import io.flashsale.payments.HttpPaymentProvider;
import io.flashsale.payments.PaymentProvider;
import io.flashsale.payments.SimulatorConfig;
import io.flashsale.schemas.PaymentEvent;
import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.QueueJoin;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.reconciliation.nightly.ReconcileCommand;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicBoolean;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import picocli.CommandLine;

/**
 * The buyer page and the admin dashboard in headless Chromium against the whole local stack: the countdown
 * runs to the start by the server's clock and the button turns on then, a buyer buys, holds, pays on the
 * simulator's page and sees CONFIRMED, a second browser sees the stock drop without reloading; the admin
 * creates a sale (after seeing the API's validation messages), sees it in the audit panel, watches its counters move
 * and ends it; a viewer signed in with an admin JWT sees the same without the operator buttons.
 */
class BrowserPagesTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration PATIENCE = Duration.ofSeconds(40);

  @TempDir static Path dataDir;
  @TempDir static Path reports;
  static LocalStack stack;
  static Browsers browsers;
  static Buyers buyers;

  @BeforeAll
  static void start() throws Exception {
    browsers = Browsers.start();
    stack = TestStack.start(dataDir, 2, Map.of("FLASHSALE_REPORT_DIR", reports.toString()));
    buyers = new Buyers(stack.apiUrl());
  }

  @AfterAll
  static void stop() {
    if (browsers != null) {
      browsers.close();
    }
    if (stack != null) {
      stack.close();
    }
  }

  @Test
  void aBuyerWaitsForTheStartBuysHoldsPaysAndAnotherBrowserSeesTheStockDrop() throws Exception {
    WebDriver buyer = browsers.open(Browsers.PHONE);
    WebDriver watcher = browsers.open(Browsers.DESKTOP);
    Instant startsAt = Instant.now().plusSeconds(12);
    String saleId = "browser-" + UUID.randomUUID().toString().substring(0, 8);
    createSale(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name", "Noise-cancelling headphones",
        "stock", 3, "priceCents", 4999, "currency", "USD", "holdSeconds", 120,
        "startsAt", startsAt.toString(), "endsAt", startsAt.plusSeconds(3600).toString()));
    String page = stack.apiUrl() + "/sales/" + saleId;

    buyer.get(page + "#token=" + Buyers.tokenFor("alice"));
    await(buyer).until(() -> status(buyer).equals("SCHEDULED"));
    assertThat(buyer.findElement(By.id("buy")).isEnabled()).isFalse();
    assertThat(buyer.findElement(By.id("price")).getText()).contains("49.99");
    await(buyer).until(() -> buyer.findElement(By.id("countdown")).getText().matches("00:(0\\d|1[0-2])"));
    Browsers.screenshot(buyer, "buyer-countdown-phone");

    watcher.get(page);
    await(watcher).until(() -> text(watcher, "remaining").equals("3"));
    ((JavascriptExecutor) watcher).executeScript("window.flashsaleNotReloaded = true;");
    assertThat(Instant.now()).as("the start is still ahead").isBefore(startsAt.minusSeconds(1));

    // The button turns on at the start and not before; the countdown has run down to it.
    AtomicBoolean enabledEarly = new AtomicBoolean();
    String[] lastCountdown = {""};
    await(buyer).pollInterval(Duration.ofMillis(100)).until(() -> {
      boolean enabled = buyer.findElement(By.id("buy")).isEnabled();
      if (enabled && Instant.now().isBefore(startsAt.minusMillis(500))) {
        enabledEarly.set(true);
      }
      if (!enabled) {
        lastCountdown[0] = buyer.findElement(By.id("countdown")).getAttribute("textContent");
      }
      return enabled;
    });
    assertThat(enabledEarly).as("enabled before the start").isFalse();
    assertThat(Instant.now()).isAfterOrEqualTo(startsAt.minusMillis(500));
    assertThat(lastCountdown[0]).as("the countdown's last value before the start").isIn("00:00", "00:01");
    assertThat(status(buyer)).isEqualTo("LIVE");
    assertThat(buyer.findElement(By.id("countdown-box")).isDisplayed()).isFalse();

    buyer.findElement(By.id("buy")).click();
    await(buyer).until(() -> purchaseStatus(buyer).equals("ACCEPTED"));
    await(buyer).until(() -> buyer.findElement(By.id("hold-countdown")).getText().matches("0[12]:\\d\\d"));
    Browsers.screenshot(buyer, "buyer-held-phone");

    // The other browser sees the stock drop from the event stream, without reloading.
    await(watcher).until(() -> text(watcher, "remaining").equals("2"));
    assertThat(((JavascriptExecutor) watcher).executeScript("return window.flashsaleNotReloaded === true;"))
        .isEqualTo(true);
    Browsers.screenshot(watcher, "buyer-desktop");

    buyer.findElement(By.id("checkout")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(stack.paymentProviderUrl() + "/pay/"));
    buyer.findElement(By.id("pay")).click();
    await(buyer).until(() -> buyer.findElement(By.id("return")).isDisplayed());
    buyer.findElement(By.id("return")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(page));
    await(buyer).until(() -> purchaseStatus(buyer).equals("CONFIRMED"));
    assertThat(text(buyer, "purchase-detail")).startsWith("Paid. Order ");
    Browsers.screenshot(buyer, "buyer-confirmed-phone");
    await(watcher).until(() -> text(watcher, "remaining").equals("2")); // paid: the unit stays sold
  }

  /** The page of a sale with hiddenOrderUrl asks for the order URL at the start and buys there (the public path is 404). */
  @Test
  void aBuyerOfASaleWithAHiddenOrderUrlBuysAtThePathGivenAtTheStart() throws Exception {
    WebDriver buyer = browsers.open(Browsers.PHONE);
    Instant startsAt = Instant.now().plusSeconds(8);
    String saleId = "hidden-" + UUID.randomUUID().toString().substring(0, 8);
    createSale(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name", "Limited sneakers", "stock", 2,
        "priceCents", 12999, "currency", "USD", "hiddenOrderUrl", true,
        "startsAt", startsAt.toString(), "endsAt", startsAt.plusSeconds(3600).toString()));
    assertThat(get("/api/sales/" + saleId + "/order-url").statusCode()).as("before the start").isEqualTo(409);

    buyer.get(stack.apiUrl() + "/sales/" + saleId + "#token=" + Buyers.tokenFor("carol"));
    await(buyer).until(() -> status(buyer).equals("SCHEDULED"));
    await(buyer).until(() -> buyer.findElement(By.id("buy")).isEnabled());
    assertThat(Instant.now()).isAfterOrEqualTo(startsAt.minusMillis(500));

    buyer.findElement(By.id("buy")).click();
    await(buyer).until(() -> purchaseStatus(buyer).equals("ACCEPTED"));
    await(buyer).until(() -> text(buyer, "remaining").equals("1"));
    Browsers.screenshot(buyer, "buyer-hidden-order-url-phone");
  }

  @Test
  void aBuyerWhoCameEarlyWaitsInTheWaitingRoomWithAProofOfWorkAndBuysOnceAdmitted() throws Exception {
    WebDriver buyer = browsers.open(Browsers.PHONE);
    Instant startsAt = Instant.now().plusSeconds(10);
    String saleId = "room-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Object> sale = new HashMap<>(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name", "Limited sneakers",
        "stock", 5, "priceCents", 12000, "originalPriceCents", 24000, "currency", "USD",
        "startsAt", startsAt.toString(), "endsAt", startsAt.plusSeconds(3600).toString()));
    sale.put("description", "Only five pairs");
    sale.put("waitingRoom", Map.of("admitPerSecond", 5, "proofOfWorkBits", 12));
    createSale(sale);
    buyer.get(stack.apiUrl() + "/sales/" + saleId + "#token=" + Buyers.tokenFor("early-bird"));

    // Before the start the page has joined (proof of work solved in the browser): the place is drawn at the start.
    await(buyer).until(() -> text(buyer, "waiting-room").contains("drawn at the start"));
    assertThat(Instant.now()).as("joined before the start").isBefore(startsAt);
    assertThat(text(buyer, "original-price")).contains("240.00");
    Browsers.screenshot(buyer, "buyer-waiting-room-phone");

    await(buyer).until(() -> buyer.findElement(By.id("buy")).isEnabled());
    buyer.findElement(By.id("buy")).click();
    await(buyer).until(() -> text(buyer, "waiting-room").contains("your turn"));
    await(buyer).until(() -> purchaseStatus(buyer).equals("ACCEPTED"));
    assertThat(Instant.now()).as("admitted two seconds after the pre-queue closed, not before")
        .isAfter(startsAt.plusSeconds(2));
  }

  /**
   * The page makes one flow id when it opens the sale and sends it on the queue join, the purchase and the checkout;
   * the join, the request and the payment (its metadata and its event) carry it, the order shows it, and a reload of
   * the page keeps it for the visit.
   */
  @Test
  void theBuyerPageSendsOneFlowFromTheQueueToThePayment() throws Exception {
    WebDriver buyer = browsers.open(Browsers.PHONE);
    String saleId = "flow-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Object> sale = new HashMap<>(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name", "Espresso machine",
        "stock", 4, "priceCents", 19900, "currency", "USD", "startsAt", Instant.now().minusSeconds(5).toString(),
        "endsAt", Instant.now().plusSeconds(3600).toString()));
    sale.put("waitingRoom", Map.of("admitPerSecond", 1000));
    createSale(sale);
    String user = "flow-buyer-" + saleId;
    String page = stack.apiUrl() + "/sales/" + saleId;
    buyer.get(page + "#token=" + Buyers.tokenFor(user));
    await(buyer).until(() -> buyer.findElement(By.id("buy")).isEnabled());
    String flow = (String) ((JavascriptExecutor) buyer)
        .executeScript("return sessionStorage.getItem('flashsale.flow.' + arguments[0]);", saleId);
    assertThat(flow).as("made when the page opened the sale").isNotBlank();

    buyer.findElement(By.id("buy")).click();
    await(buyer).until(() -> purchaseStatus(buyer).equals("ACCEPTED"));
    assertThat(text(buyer, "purchase-flow")).isEqualTo(flow);
    buyer.findElement(By.id("checkout")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(stack.paymentProviderUrl() + "/pay/"));
    String paymentId = URI.create(buyer.getCurrentUrl()).getPath().replaceFirst("^/pay/", "");
    buyer.findElement(By.id("pay")).click();
    await(buyer).until(() -> buyer.findElement(By.id("return")).isDisplayed());
    buyer.findElement(By.id("return")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(page));
    await(buyer).until(() -> purchaseStatus(buyer).equals("CONFIRMED"));
    assertThat(text(buyer, "purchase-flow")).as("the same visit after the provider's page").isEqualTo(flow);
    Browsers.screenshot(buyer, "buyer-flow-phone");

    Topics topics = Topics.using(SchemaRegistry.forUrl(stack.schemaRegistryUrl()));
    assertThat(TopicLog.readAll(stack.bootstrapServers(), topics.queueJoins)).extracting(r -> r.value())
        .filteredOn(join -> join.getUserId().equals(user)).extracting(QueueJoin::getFlowId)
        .as("the page joins again when it opens after the provider's page, in the same flow")
        .hasSize(2).containsOnly(flow);
    assertThat(TopicLog.readAll(stack.bootstrapServers(), topics.purchaseRequests)).extracting(r -> r.value())
        .flatExtracting(PurchaseBatch::getRequests).filteredOn(r -> r.getUserId().equals(user))
        .extracting(PurchaseRequest::getFlowId).containsExactly(flow);
    PaymentProvider provider = new HttpPaymentProvider(stack.paymentProviderUrl(), SimulatorConfig.LOCAL_API_KEY);
    assertThat(provider.payment(paymentId).orElseThrow().flowId()).isEqualTo(flow);
    Awaitility.await().atMost(PATIENCE).until(() -> TopicLog.readAll(stack.bootstrapServers(), topics.paymentEvents)
        .stream().map(r -> r.value()).filter(e -> e.getPaymentId().equals(paymentId)).map(PaymentEvent::getFlowId)
        .toList().equals(List.of(flow)));
  }

  @Test
  void theAdminCreatesASaleWatchesItsCountersAndEndsIt() throws Exception {
    // A night's report, written where the API reads them, as under ./flashsale local.
    Map<String, String> env = new HashMap<>(LocalStack.endpoints(new LocalStackConfig(dataDir, 0)));
    env.put("FLASHSALE_REPORT_DIR", reports.toString());
    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    new CommandLine(new ReconcileCommand(env)).execute("--date", today.toString());

    WebDriver admin = browsers.open(Browsers.DESKTOP);
    admin.get(stack.apiUrl() + "/admin");
    admin.findElement(By.id("admin-token")).sendKeys("wrong-token");
    admin.findElement(By.cssSelector("#sign-in-form button")).click();
    await(admin).until(() -> admin.findElement(By.id("sign-in-error")).isDisplayed());
    admin.findElement(By.id("admin-token")).clear();
    admin.findElement(By.id("admin-token")).sendKeys(Buyers.ADMIN_TOKEN);
    admin.findElement(By.cssSelector("#sign-in-form button")).click();
    await(admin).until(() -> admin.findElement(By.id("dashboard")).isDisplayed());

    // The night's report opens from the dashboard, fetched with the token.
    await(admin).until(() -> !admin.findElements(By.cssSelector("#reports a[data-report=html]")).isEmpty());
    String dashboardWindow = admin.getWindowHandle();
    admin.findElement(By.cssSelector("#reports a[data-report=html]")).click();
    await(admin).until(() -> admin.getWindowHandles().size() == 2);
    admin.switchTo().window(admin.getWindowHandles().stream().filter(h -> !h.equals(dashboardWindow))
        .findFirst().orElseThrow());
    await(admin).until(() -> admin.findElement(By.tagName("h1")).getText().equals("Reconciliation of " + today));
    admin.close();
    admin.switchTo().window(dashboardWindow);

    // The API's validation messages, one per broken rule, and nothing created.
    String saleId = "admin-" + UUID.randomUUID().toString().substring(0, 8);
    field(admin, "saleId", saleId);
    field(admin, "sku", "SKU-" + saleId);
    field(admin, "name", "Espresso machine");
    field(admin, "stock", "0");
    field(admin, "startsAt", Instant.now().minusSeconds(60).toString());
    field(admin, "endsAt", Instant.now().minusSeconds(120).toString());
    admin.findElement(By.cssSelector("#create-form button[type=submit]")).click();
    await(admin).until(() -> admin.findElement(By.id("create-errors")).isDisplayed());
    String errors = text(admin, "create-errors");
    assertThat(errors).contains("stock").contains("endsAt must be after startsAt");
    assertThat(admin.findElements(By.cssSelector("#create-errors li"))).hasSizeGreaterThanOrEqualTo(2);
    assertThat(get("/api/sales/" + saleId).statusCode()).isEqualTo(404);

    field(admin, "stock", "5");
    field(admin, "endsAt", Instant.now().plusSeconds(3600).toString());
    admin.findElement(By.cssSelector("#create-form button[type=submit]")).click();
    await(admin).until(() -> text(admin, "create-result").contains(saleId));
    // The audit panel lists the creation, by the shared token, with the answer it got.
    await(admin).until(() -> admin.findElement(By.cssSelector("#audit tr[data-action=CREATE_SALE][data-status='201']"
        + "[data-sale-id='" + saleId + "']")).getText().contains("local-token (operator)"));
    await(admin).until(() -> counter(admin, "available").equals("5"));
    await(admin).until(() -> !admin.findElements(By.cssSelector("ul.sales[data-status=LIVE] li[data-sale-id='"
        + saleId + "']")).isEmpty());

    // Buyers buy: the counters and the chart move.
    for (String user : new String[] {"ann", "ben"}) {
      assertThat(buyers.purchase(Buyers.tokenFor(user), saleId, 1, "k-" + user).status()).isEqualTo(202);
    }
    await(admin).until(() -> counter(admin, "reserved").equals("2") && counter(admin, "available").equals("3"));
    await(admin).until(() -> Long.parseLong(admin.findElement(By.id("chart")).getAttribute("data-total")) >= 2);
    assertThat(counter(admin, "requests")).isEqualTo("2");
    Browsers.screenshot(admin, "dashboard-desktop");

    admin.findElement(By.id("end-sale")).click();
    admin.findElement(By.id("end-confirm")).click();
    await(admin).until(() -> text(admin, "detail-status").equals("ENDED"));
    await(admin).until(() -> !admin.findElements(By.cssSelector("ul.sales[data-status=ENDED] li[data-sale-id='"
        + saleId + "']")).isEmpty());
    Buyers.Answer late = buyers.purchase(Buyers.tokenFor("cid"), saleId, 1, "k-cid");
    assertThat(late.status()).isEqualTo(409);
    assertThat(late.body().path("code").asText()).isEqualTo("SALE_ENDED");
    assertThat(counter(admin, "reserved")).as("holds run on after the end").isEqualTo("2");

    // A viewer signs in with an admin JWT: reads the same, sees the end in the audit panel, and has no operator buttons.
    WebDriver phone = browsers.open(Browsers.PHONE);
    phone.get(stack.apiUrl() + "/admin");
    phone.findElement(By.id("admin-token")).sendKeys(JWT.create().withSubject("vera").withClaim("roles", List.of("viewer"))
        .withExpiresAt(Instant.now().plusSeconds(600)).sign(Algorithm.HMAC256(AdminJwt.LOCAL_SECRET)));
    phone.findElement(By.cssSelector("#sign-in-form button")).click();
    await(phone).until(() -> text(phone, "signed-in-as").equals("vera (viewer)"));
    await(phone).until(() -> !phone.findElements(By.cssSelector(
        "#audit tr[data-action=END_SALE][data-sale-id='" + saleId + "']")).isEmpty());
    assertThat(phone.findElement(By.id("create-card")).isDisplayed()).isFalse();
    await(phone).until(() -> !phone.findElements(By.cssSelector("li[data-sale-id='" + saleId + "'] button")).isEmpty());
    phone.findElement(By.cssSelector("li[data-sale-id='" + saleId + "'] button")).click();
    await(phone).until(() -> counter(phone, "reserved").equals("2"));
    assertThat(phone.findElement(By.id("end-sale")).isDisplayed()).isFalse();
    Browsers.screenshot(phone, "dashboard-phone");
  }

  /** The cart page: a buyer's holds of two sales, their total and the first hold's countdown, paid at once. */
  @Test
  void aBuyerPaysTheHoldsOfTwoSalesAtOnceFromTheCart() throws Exception {
    WebDriver buyer = browsers.open(Browsers.PHONE);
    String token = Buyers.tokenFor("dora");
    for (String[] sale : new String[][] {{"Trail shoes", "8999", "240"}, {"Wool hat", "1999", "120"}}) {
      String saleId = "cart-" + UUID.randomUUID().toString().substring(0, 8);
      Instant now = Instant.now();
      createSale(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name", sale[0], "stock", 5,
          "priceCents", Integer.parseInt(sale[1]), "currency", "USD", "holdSeconds", Integer.parseInt(sale[2]),
          "startsAt", now.minusSeconds(60).toString(), "endsAt", now.plusSeconds(3600).toString()));
      Buyers.Answer bought = buyers.purchase(token, saleId, 1, null);
      assertThat(bought.status()).as("%s", bought).isEqualTo(202);
      buyers.awaitStatus(token, bought.body().path("requestId").asText(), "ACCEPTED", PATIENCE);
    }

    buyer.get(stack.apiUrl() + "/cart#token=" + token);
    await(buyer).until(() -> buyer.findElements(By.cssSelector("#items li")).size() == 2);
    assertThat(text(buyer, "items")).contains("Trail shoes", "89.99", "Wool hat", "19.99");
    assertThat(text(buyer, "total")).contains("109.98");
    await(buyer).until(() -> text(buyer, "cart-countdown").matches("0[12]:\\d\\d"));
    Browsers.screenshot(buyer, "buyer-cart-phone");

    buyer.findElement(By.id("pay-all")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(stack.paymentProviderUrl() + "/pay/"));
    assertThat(buyer.findElement(By.tagName("body")).getText()).contains("109.98");
    buyer.findElement(By.id("pay")).click();
    await(buyer).until(() -> buyer.findElement(By.id("return")).isDisplayed());
    buyer.findElement(By.id("return")).click();
    await(buyer).until(() -> buyer.getCurrentUrl().startsWith(stack.apiUrl() + "/cart"));
    await(buyer).until(() -> text(buyer, "order-status").equals("PAID"));
    assertThat(buyer.findElements(By.cssSelector("#order-items li"))).hasSize(2);
    assertThat(text(buyer, "order-items")).contains("Trail shoes", "Wool hat", "CONFIRMED");
    await(buyer).until(() -> buyer.findElement(By.id("empty")).isDisplayed()); // nothing held any more
    Browsers.screenshot(buyer, "buyer-cart-paid-phone");
  }

  /** Waits on what a browser shows; an element replaced while it is read is read again. */
  private static ConditionFactory await(WebDriver driver) {
    return Awaitility.await().atMost(PATIENCE).ignoreExceptions();
  }

  private static String status(WebDriver driver) {
    return driver.findElement(By.id("status")).getAttribute("data-status");
  }

  private static String purchaseStatus(WebDriver driver) {
    return driver.findElement(By.id("purchase-status")).getText();
  }

  private static String text(WebDriver driver, String id) {
    return driver.findElement(By.id(id)).getText();
  }

  private static String counter(WebDriver driver, String name) {
    return driver.findElement(By.cssSelector("[data-counter='" + name + "'] .value")).getText();
  }

  private static void field(WebDriver driver, String name, String value) {
    WebElement input = driver.findElement(By.cssSelector("#create-form [name=" + name + "]"));
    input.clear();
    input.sendKeys(value);
  }

  private static void createSale(Map<String, Object> sale) throws Exception {
    HttpResponse<String> created = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(stack.apiUrl() + "/api/admin/sales"))
        .header("Authorization", "Bearer " + Buyers.ADMIN_TOKEN).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(new HashMap<>(sale)))).build(),
        HttpResponse.BodyHandlers.ofString());
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  private static HttpResponse<String> get(String path) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(stack.apiUrl() + path)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
