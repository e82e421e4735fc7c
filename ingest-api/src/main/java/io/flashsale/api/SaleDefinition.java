package io.flashsale.api;

import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/** The body of POST /api/admin/sales as the admin sent it; {@link #toSale} checks it and fills the defaults. */
public record SaleDefinition(
    String saleId,
    String sku,
    String name,
    Integer stock,
    Integer perUserLimit,
    Long priceCents,
    String currency,
    String startsAt,
    String endsAt,
    Integer holdSeconds,
    String allocation) {

  static final Pattern SALE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  static final int DEFAULT_PER_USER_LIMIT = 1;
  static final int DEFAULT_HOLD_SECONDS = 300;
  static final int MAX_HOLD_SECONDS = 86_400;

  /** The sale to publish, or VALIDATION naming every broken rule at once. */
  public Sale toSale(Instant now) {
    List<String> errors = new ArrayList<>();
    if (saleId != null && !SALE_ID.matcher(saleId).matches()) {
      errors.add("saleId must match " + SALE_ID.pattern());
    }
    if (sku == null || sku.isBlank()) {
      errors.add("sku is required");
    }
    if (name == null || name.isBlank()) {
      errors.add("name is required");
    }
    if (stock == null || stock < 1) {
      errors.add("stock must be at least 1");
    }
    if (perUserLimit != null && perUserLimit < 1) {
      errors.add("perUserLimit must be at least 1");
    }
    if (priceCents == null || priceCents < 0) {
      errors.add("priceCents must be 0 or more");
    }
    if (currency == null || !isIsoCurrency(currency)) {
      errors.add("currency must be an ISO 4217 code");
    }
    Instant starts = instant("startsAt", startsAt, errors);
    Instant ends = instant("endsAt", endsAt, errors);
    if (starts != null && ends != null && !ends.isAfter(starts)) {
      errors.add("endsAt must be after startsAt");
    }
    if (holdSeconds != null && (holdSeconds < 1 || holdSeconds > MAX_HOLD_SECONDS)) {
      errors.add("holdSeconds must be 1.." + MAX_HOLD_SECONDS);
    }
    Allocation allocationValue = allocation(errors);
    if (!errors.isEmpty()) {
      throw new Problem(ErrorCode.VALIDATION, String.join("; ", errors));
    }
    return Sale.newBuilder()
        .setSaleId(saleId != null ? saleId : UUID.randomUUID().toString())
        .setSku(sku)
        .setName(name)
        .setStock(stock)
        .setPerUserLimit(perUserLimit != null ? perUserLimit : DEFAULT_PER_USER_LIMIT)
        .setPriceCents(priceCents)
        .setCurrency(currency)
        .setStartsAt(starts)
        .setEndsAt(ends)
        .setHoldSeconds(holdSeconds != null ? holdSeconds : DEFAULT_HOLD_SECONDS)
        .setAllocation(allocationValue)
        .setCreatedAt(now)
        .build();
  }

  private Allocation allocation(List<String> errors) {
    if (allocation == null) {
      return Allocation.FCFS;
    }
    try {
      return Allocation.valueOf(allocation);
    } catch (IllegalArgumentException e) {
      errors.add("allocation must be FCFS or LOTTERY");
      return null;
    }
  }

  private static boolean isIsoCurrency(String code) {
    try {
      return Currency.getInstance(code).getCurrencyCode().equals(code);
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static Instant instant(String field, String value, List<String> errors) {
    if (value == null) {
      errors.add(field + " is required");
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      errors.add(field + " must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
      return null;
    }
  }
}
