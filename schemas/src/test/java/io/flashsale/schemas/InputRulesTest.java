package io.flashsale.schemas;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class InputRulesTest {
  private static final Instant OPENING = Instant.parse("2026-11-27T00:00:00Z");

  @ParameterizedTest
  @ValueSource(strings = {"SKU-123", "Kopfhörer für Ünterwegs", "日本語の名前", "emoji \ud83c\udfa7 ok", "tab-free text"})
  void cleanTextPasses(String text) {
    assertThat(InputRules.text("name", text)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"nul\u0000", "tab\t", "line\nbreak", "cr\r", "esc\u001b", "unit separator\u001f", "del\u007f",
      "c1\u0085", "c1\u009f", "high only \ud83c", "low only \udfa7", "reversed \udfa7\ud83c", "noncharacter \ufffe",
      "noncharacter \uffff", "noncharacter \ufdd0", "plane 1 noncharacter \ud83f\udffe"})
  void controlCharactersSurrogateHalvesAndNoncharactersAreRefused(String text) {
    assertThat(InputRules.text("name", text)).contains("control characters");
    assertThat(InputRules.optionalText("description", text)).contains("control characters");
    assertThat(InputRules.isClean(text)).isFalse();
  }

  @Test
  void textIsAtMost256CharactersCountedAsCodePoints() {
    assertThat(InputRules.text("name", "x".repeat(256))).isNull();
    assertThat(InputRules.text("name", "x".repeat(257))).contains("at most 256");
    // 256 characters outside the BMP are 512 UTF-16 units, and still 256 characters
    assertThat(InputRules.text("name", "\ud83c\udfa7".repeat(256))).isNull();
    assertThat(InputRules.text("name", "\ud83c\udfa7".repeat(257))).contains("at most 256");
  }

  @Test
  void requiredTextMustBePresentAndNotBlank() {
    assertThat(InputRules.text("sku", null)).isEqualTo("sku is required");
    assertThat(InputRules.text("sku", "  ")).isEqualTo("sku must not be blank");
    assertThat(InputRules.optionalText("description", null)).isNull();
  }

  @Test
  void moneyIsAtMostTenToTheTwelveMinorUnits() {
    assertThat(InputRules.money("priceCents", 0)).isNull();
    assertThat(InputRules.money("priceCents", 1_000_000_000_000L)).isNull();
    assertThat(InputRules.money("priceCents", 1_000_000_000_001L)).isNotNull();
    assertThat(InputRules.money("priceCents", -1)).isNotNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"XYZ", "usd", "US", "USDD", "", "U\u0000D"})
  void currencyIsAnIso4217Code(String code) {
    assertThat(InputRules.currency("currency", code)).isNotNull();
    assertThat(InputRules.currency("currency", "EUR")).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk", "caf\u00e9", "tab\t", "\u0000"})
  void idempotencyKeysArePrintableAscii(String key) {
    assertThat(InputRules.idempotencyKey("Idempotency-Key", key)).isNotNull();
    assertThat(InputRules.idempotencyKey("Idempotency-Key", "~!@# order 17/retry")).isNull();
    assertThat(InputRules.idempotencyKey("Idempotency-Key", null)).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", "caf\u00e9", "tab\t", "\u0000",
      "line\nbreak"})
  void flowIdsArePrintableAscii(String flow) {
    assertThat(InputRules.flowId("Flashsale-Flow", flow)).isNotNull();
    assertThat(InputRules.flowId("Flashsale-Flow", "f".repeat(64))).isNull();
    assertThat(InputRules.flowId("Flashsale-Flow", "0b6f4c1e-7d7a-4f5e-9a51-2c3f3b8e9d10")).isNull();
    assertThat(InputRules.flowId("Flashsale-Flow", null)).isNull();
  }

  @Test
  void instantsHaveMillisecondTimestamps() {
    assertThat(InputRules.instant("startsAt", OPENING)).isNull();
    assertThat(InputRules.instant("startsAt", Instant.MAX)).isNotNull();
    assertThat(InputRules.instant("startsAt", Instant.EPOCH.minusMillis(1))).isNotNull();
  }

  @Test
  void aSaleNamesEveryRuleItBreaks() {
    Sale broken = Sale.newBuilder(sale())
        .setName("nul\u0000").setStock(0).setPerUserLimit(InputRules.MAX_QUANTITY + 1).setPriceCents(-1)
        .setCurrency("XYZ").setEndsAt(OPENING).setHoldSeconds(InputRules.MAX_HOLD_SECONDS + 1)
        .build();

    assertThat(InputRules.violations(sale())).isEmpty();
    assertThat(String.join("; ", InputRules.violations(broken)))
        .contains("name", "stock", "perUserLimit", "priceCents", "currency", "endsAt", "holdSeconds");
  }

  @Test
  void anEndOfASaleIsCheckedFieldByField() {
    SaleEnd end = SaleEnd.newBuilder().setSaleId("sale-1").setSku("SKU-1").setRequestedAt(OPENING).build();
    assertThat(InputRules.violations(end)).isEmpty();
    assertThat(InputRules.violations(SaleEnd.newBuilder(end).setSku("a\u0007").build())).hasSize(1);
    assertThat(InputRules.violations(SaleEnd.newBuilder(end).setSaleId("x".repeat(257)).build())).hasSize(1);
  }

  @Test
  void aPurchaseRequestIsCheckedFieldByField() {
    PurchaseRequest request = PurchaseRequest.newBuilder()
        .setRequestId("req-1").setSaleId("sale-1").setSku("SKU-1").setUserId("user-1").setDeviceId(null)
        .setQuantity(1).setIdempotencyKey(null).setRequestedAt(OPENING)
        .build();

    assertThat(InputRules.violations(request)).isEmpty();
    assertThat(InputRules.violations(PurchaseRequest.newBuilder(request).setUserId("a\u0000b").build()))
        .singleElement().asString().startsWith("userId");
    assertThat(InputRules.violations(PurchaseRequest.newBuilder(request).setDeviceId("d\u2028\u0085").build()))
        .singleElement().asString().startsWith("deviceId");
    assertThat(InputRules.violations(PurchaseRequest.newBuilder(request).setQuantity(0).build()))
        .singleElement().asString().startsWith("quantity");
    assertThat(InputRules.violations(PurchaseRequest.newBuilder(request).setIdempotencyKey("k".repeat(65)).build()))
        .singleElement().asString().startsWith("idempotencyKey");
    assertThat(InputRules.violations(PurchaseRequest.newBuilder(request).setFlowId("f\u0000").build()))
        .singleElement().asString().startsWith("flowId");
  }

  private static Sale sale() {
    return Sale.newBuilder()
        .setSaleId("sale-1").setSku("SKU-1").setName("Headphones").setStock(100).setPerUserLimit(2)
        .setPriceCents(4999).setCurrency("USD").setStartsAt(OPENING).setEndsAt(OPENING.plusSeconds(3600))
        .setHoldSeconds(300).setAllocation(Allocation.FCFS).setCreatedAt(OPENING.minusSeconds(60))
        .build();
  }
}
