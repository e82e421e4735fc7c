package io.flashsale.api.sale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SaleDefinitionTest {
  private static final Instant NOW = Instant.parse("2026-11-26T12:00:00Z");

  private static SaleDefinition valid() {
    return new SaleDefinition("bf-2026-headphones", "SKU-123", "Headphones", 100, 2, 4999L, "USD",
        "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 120, "LOTTERY", null, null, null, null, null);
  }

  @Test
  void validDefinitionBecomesTheSale() {
    Sale sale = valid().toSale(NOW);

    assertThat(sale.getSaleId()).isEqualTo("bf-2026-headphones");
    assertThat(sale.getStock()).isEqualTo(100);
    assertThat(sale.getPerUserLimit()).isEqualTo(2);
    assertThat(sale.getStartsAt()).isEqualTo(Instant.parse("2026-11-27T00:00:00Z"));
    assertThat(sale.getEndsAt()).isEqualTo(Instant.parse("2026-11-27T01:00:00Z"));
    assertThat(sale.getHoldSeconds()).isEqualTo(120);
    assertThat(sale.getAllocation()).isEqualTo(Allocation.LOTTERY);
    assertThat(sale.getCreatedAt()).isEqualTo(NOW);
  }

  @Test
  void optionalFieldsGetTheirDefaults() {
    Sale sale = new SaleDefinition(null, "SKU-1", "Mug", 1, null, 0L, "EUR",
        "2026-11-27T00:00:00Z", "2026-11-27T00:00:01Z", null, null, null, null, null, null, null).toSale(NOW);

    assertThat(sale.getSaleId()).matches(SaleDefinition.SALE_ID.pattern());
    assertThat(sale.getPerUserLimit()).isEqualTo(1);
    assertThat(sale.getHoldSeconds()).isEqualTo(300);
    assertThat(sale.getAllocation()).isEqualTo(Allocation.FCFS);
  }

  @Test
  void generatedSaleIdsDiffer() {
    SaleDefinition withoutId = new SaleDefinition(null, "SKU-1", "Mug", 1, null, 0L, "EUR",
        "2026-11-27T00:00:00Z", "2026-11-27T00:00:01Z", null, null, null, null, null, null, null);

    assertThat(withoutId.toSale(NOW).getSaleId()).isNotEqualTo(withoutId.toSale(NOW).getSaleId());
  }

  @Test
  void eachBrokenRuleIsNamed() {
    assertInvalid(new SaleDefinition("has space", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "saleId");
    assertInvalid(new SaleDefinition("x".repeat(65), "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "saleId");
    assertInvalid(new SaleDefinition("s", " ", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "sku");
    assertInvalid(new SaleDefinition("s", "S", null, 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "name");
    assertInvalid(new SaleDefinition("s", "S", "N", 0, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "stock");
    assertInvalid(new SaleDefinition("s", "S", "N", null, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "stock");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 0, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "perUserLimit");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, -1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "priceCents");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "XYZ", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "currency");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "usd", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "currency");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "tomorrow", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "startsAt");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T01:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "endsAt must be after");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", null, 1, "FCFS", null, null, null, null, null), "endsAt");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 0, "FCFS", null, null, null, null, null), "holdSeconds");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 86_401, "FCFS", null, null, null, null, null), "holdSeconds");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "fcfs", null, null, null, null, null), "allocation");
    // the shared input rules: clean text of at most 256 characters, bounded money, counts and instants
    assertInvalid(new SaleDefinition("s", "S", "Head\u0000phones", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "name");
    assertInvalid(new SaleDefinition("s", "S\u0085", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "sku");
    assertInvalid(new SaleDefinition("s", "S".repeat(257), "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "sku");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1_000_000_000_001L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "priceCents");
    assertInvalid(new SaleDefinition("s", "S", "N", 1_000_000_001, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "stock");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 10_001, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null, null), "perUserLimit");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "+100000-01-01T00:00:00Z", 1, "FCFS", null, null, null, null, null), "endsAt");
    // the fields of the second stage
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", 0, null, null, null, null), "perDeviceLimit");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, -1L, null, null), "originalPriceCents");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 500L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, 500L, null, null), "originalPriceCents must be above priceCents");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 500L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, 499L, null, null), "originalPriceCents must be above priceCents");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, "a\u0007b", null), "description");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null,
        new SaleDefinition.WaitingRoomDefinition(null, null, null, null)), "waitingRoom.admitPerSecond");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null,
        new SaleDefinition.WaitingRoomDefinition(10, 5, null, 33)), "waitingRoom.passSeconds");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1, "FCFS", null, null, null, null,
        new SaleDefinition.WaitingRoomDefinition(10, null, null, 33)), "waitingRoom.proofOfWorkBits");
  }

  @Test
  void theSecondStageFieldsAreKeptWithTheirDefaults() {
    Sale sale = new SaleDefinition("s", "S", "N", 10, 2, 999L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 60,
        "FCFS", 1, true, 1999L, "Noise cancelling", new SaleDefinition.WaitingRoomDefinition(200, null, null, null))
        .toSale(NOW);

    assertThat(sale.getPerDeviceLimit()).isEqualTo(1);
    assertThat(sale.getRequireDevice()).isTrue();
    assertThat(sale.getOriginalPriceCents()).isEqualTo(1999L);
    assertThat(sale.getDescription()).isEqualTo("Noise cancelling");
    assertThat(sale.getWaitingRoom().getAdmitPerSecond()).isEqualTo(200);
    assertThat(sale.getWaitingRoom().getPassSeconds()).isEqualTo(SaleDefinition.WaitingRoomDefinition.DEFAULT_PASS_SECONDS);
    assertThat(sale.getWaitingRoom().getPreQueueSeconds()).isEqualTo(SaleDefinition.WaitingRoomDefinition.DEFAULT_PRE_QUEUE_SECONDS);
    assertThat(sale.getWaitingRoom().getProofOfWorkBits()).isZero();
  }

  @Test
  void aLastDrawTakesAnFcfsSaleWithAWaitingRoomAndIdleSecondsKeepsItsOldName() throws Exception {
    var room = new SaleDefinition.WaitingRoomDefinition(10, null, null, null, 120);
    Sale sale = new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1,
        "FCFS", null, null, null, null, room, null, null, true).toSale(NOW);
    assertThat(sale.getLastDraw()).isTrue();
    assertThat(sale.getWaitingRoom().getIdleKickSeconds()).isEqualTo(120);
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1,
        "FCFS", null, null, null, null, null, null, null, true), "lastDraw");
    assertInvalid(new SaleDefinition("s", "S", "N", 1, 1, 1L, "USD", "2026-11-27T00:00:00Z", "2026-11-27T01:00:00Z", 1,
        "LOTTERY", null, null, null, null, room, null, null, true), "lastDraw");
    var mapper = io.flashsale.api.http.JsonBodies.strictMapper();
    assertThat(mapper.readValue("{\"admitPerSecond\": 5, \"idleKickSeconds\": 90}",
        SaleDefinition.WaitingRoomDefinition.class).idleSeconds()).isEqualTo(90);
    assertThat(mapper.readValue("{\"admitPerSecond\": 5, \"idleSeconds\": 91}",
        SaleDefinition.WaitingRoomDefinition.class).idleSeconds()).isEqualTo(91);
  }

  @Test
  void allBrokenRulesAreReportedTogether() {
    assertThatThrownBy(() -> new SaleDefinition(null, null, null, null, null, null, null, null, null, null, null, null, null, null, null, null).toSale(NOW))
        .isInstanceOf(Problem.class)
        .hasMessageContainingAll("sku", "name", "stock", "priceCents", "currency", "startsAt", "endsAt");
  }

  private static void assertInvalid(SaleDefinition definition, String mentioned) {
    assertThatThrownBy(() -> definition.toSale(NOW))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.VALIDATION))
        .hasMessageContaining(mentioned);
  }
}
