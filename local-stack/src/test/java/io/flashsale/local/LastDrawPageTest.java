package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.local.Buyers.Answer;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.WebDriver;

/**
 * The last draw on the buyer page and the dashboard, in a real browser against the whole local stack: a buyer who
 * comes after the sell-out is told it is in the last draw; when the unit comes back it is drawn for that buyer, the
 * page (told by the sale's event stream and its queue poll) says so and its buy button takes the unit held for it;
 * the dashboard counts the round.
 */
class LastDrawPageTest {
  private static final Duration PATIENCE = Duration.ofSeconds(40);

  @TempDir static Path dataDir;
  static LocalStack stack;
  static Browsers browsers;
  static Buyers http;

  @BeforeAll
  static void start() throws Exception {
    browsers = Browsers.start();
    stack = TestStack.start(dataDir, 2);
    http = new Buyers(stack.apiUrl());
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
  void aBuyerWhoCameAfterTheSellOutWaitsInTheLastDrawWinsAndBuys() {
    Instant startsAt = Instant.now().plusSeconds(3);
    String saleId = "last-" + UUID.randomUUID().toString().substring(0, 8);
    Map<String, Object> sale = new HashMap<>(Map.of("saleId", saleId, "sku", "SKU-" + saleId, "name",
        "Limited sneakers", "stock", 1, "priceCents", 12000, "originalPriceCents", 24000, "currency", "USD",
        "startsAt", startsAt.toString(), "endsAt", startsAt.plusSeconds(3600).toString(), "lastDraw", true));
    sale.put("waitingRoom", Map.of("admitPerSecond", 100, "passSeconds", 60));
    http.createSale(sale);

    // Someone faster takes the only pair.
    String rusher = Buyers.tokenFor("rusher-" + saleId);
    String queueToken = http.call("POST", "/api/sales/" + saleId + "/queue", rusher, Map.of(), Map.of()).body()
        .path("queueToken").asText();
    JsonNode admitted = await().until(() -> http.call("GET", "/api/queue/" + queueToken + "?waitMs=0", rusher, null,
        Map.of()).body(), body -> "ADMITTED".equals(body.path("status").asText()));
    Answer bought = http.call("POST", "/api/sales/" + saleId + "/purchases", rusher, Map.of("quantity", 1),
        Map.of("Flashsale-Pass", admitted.path("purchasePass").asText()));
    String requestId = bought.body().path("requestId").asText();
    http.awaitStatus(rusher, requestId, "ACCEPTED", PATIENCE);

    WebDriver buyer = browsers.open(Browsers.PHONE);
    buyer.get(stack.apiUrl() + "/sales/" + saleId + "#token=" + Buyers.tokenFor("late-" + saleId));
    await().until(() -> text(buyer, "waiting-room").contains("you are in the last draw"));
    assertThat(buyer.findElement(By.id("buy")).isEnabled()).as("sold out: nothing to buy yet").isFalse();
    Browsers.screenshot(buyer, "buyer-last-draw-phone");

    // The pair comes back: drawn among those still waiting, here the late buyer alone; the page lets it buy.
    assertThat(http.cancel(rusher, requestId).status()).isEqualTo(202);
    // The returned unit shows as available until the round's stock level reserves it for the winner: then sold out.
    await().until(() -> text(buyer, "status").equals("Sold out"));
    // The stream names the winner first ("your turn comes in a moment"); the queue poll then brings the pass, and
    // only that enables the button of a sold-out sale (a click on a disabled button is silently lost).
    await().until(() -> text(buyer, "waiting-room").contains("You won the last draw: a unit is held for you"));
    await().until(() -> buyer.findElement(By.id("buy")).isEnabled());
    Browsers.screenshot(buyer, "buyer-last-draw-won-phone");
    buyer.findElement(By.id("buy")).click();
    await().until(() -> buyer.findElement(By.id("purchase-status")).getText().equals("ACCEPTED"));

    WebDriver admin = browsers.open(Browsers.DESKTOP);
    admin.get(stack.apiUrl() + "/admin");
    admin.findElement(By.id("admin-token")).sendKeys(Buyers.ADMIN_TOKEN);
    admin.findElement(By.cssSelector("#sign-in-form button")).click();
    await().until(() -> {
      admin.findElement(By.cssSelector("ul.sales li[data-sale-id='" + saleId + "']")).click();
      return admin.findElement(By.cssSelector("[data-counter='last-draw round'] .value")).getText().equals("1");
    });
    assertThat(admin.findElement(By.cssSelector("[data-counter='its winners'] .value")).getText()).isEqualTo("1");
  }

  private static ConditionFactory await() {
    return Awaitility.await().atMost(PATIENCE).ignoreExceptions();
  }

  private static String text(WebDriver driver, String id) {
    return driver.findElement(By.id(id)).getText();
  }
}
