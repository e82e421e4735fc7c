package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.sale.SaleClaims;
import io.flashsale.schemas.Sale;
import io.flashsale.testing.Sales;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Sale ids are taken by their first claim in sale-claims; only that claim's definition reaches sales. */
class SaleClaimsTest {
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    fixture = ApiFixture.start();
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void aCreatedSaleIsClaimedOnceAndWrittenOnce() {
    String saleId = fixture.createSale(Map.of());

    assertThat(claimsOf(saleId)).hasSize(1);
    assertThat(salesOf(saleId)).singleElement().satisfies(sale -> assertThat(sale.getSku()).isEqualTo("SKU-" + saleId));
    fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson(saleId, Map.of("sku", "OTHER")))
        .send().assertProblem(409, ErrorCode.SALE_EXISTS);
    assertThat(claimsOf(saleId)).hasSize(1);
    assertThat(salesOf(saleId)).hasSize(1);
  }

  @Test
  void anIdClaimedElsewhereFirstIsTakenAndItsClaimantsDefinitionIsShown() {
    String saleId = "sale-" + UUID.randomUUID();
    fixture.produce(fixture.topics.saleClaims, saleId, definition(saleId, "SKU-first"), null);
    fixture.produce(fixture.topics.sales, "SKU-first", definition(saleId, "SKU-first"), null);
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().path("sku").asText()).isEqualTo("SKU-first"));

    fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson(saleId, Map.of("sku", "SKU-second")))
        .send().assertProblem(409, ErrorCode.SALE_EXISTS);

    assertThat(salesOf(saleId)).extracting(Sale::getSku).containsOnly("SKU-first");
  }

  @Test
  void aWonClaimWhoseClaimantDiedBeforeWritingTheSaleIsWrittenByTheNextCreation() {
    String saleId = "sale-" + UUID.randomUUID();
    Instant longAgo = Instant.now().minus(SaleClaims.UNWRITTEN_CLAIM_GRACE).minusSeconds(1);
    fixture.produce(fixture.topics.saleClaims, saleId, definition(saleId, "SKU-orphan"), longAgo);
    fixture.call("POST", "/api/admin/sales").auth(fixture.admin()).json(ApiFixture.saleJson(saleId, Map.of("sku", "SKU-late")))
        .send().assertProblem(409, ErrorCode.SALE_EXISTS);

    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(salesOf(saleId)).isNotEmpty().extracting(Sale::getSku).containsOnly("SKU-orphan"));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
        assertThat(fixture.call("GET", "/api/sales/" + saleId).send().json().path("sku").asText()).isEqualTo("SKU-orphan"));
  }

  private static Sale definition(String saleId, String sku) {
    Instant now = Instant.now();
    return Sales.live(saleId, sku, 3, 1, now).setName("Claimed").setPriceCents(100).setCurrency("EUR").setCreatedAt(now)
        .build();
  }

  private static List<Sale> claimsOf(String saleId) {
    return fixture.readAll(fixture.topics.saleClaims).stream().map(r -> r.value())
        .filter(sale -> sale.getSaleId().equals(saleId)).toList();
  }

  private static List<Sale> salesOf(String saleId) {
    return fixture.readAll(fixture.topics.sales).stream().map(r -> r.value())
        .filter(sale -> sale.getSaleId().equals(saleId)).toList();
  }
}
