package io.flashsale.api.sale;

import com.fasterxml.jackson.annotation.JsonAlias;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.Allocation;
import io.flashsale.schemas.InputRules;
import io.flashsale.schemas.Sale;
import io.flashsale.schemas.WaitingRoom;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * The body of POST /api/admin/sales as the admin sent it; {@link #toSale} checks it with the shared
 * {@link InputRules} and fills the defaults.
 */
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
    String allocation,
    Integer perDeviceLimit,
    Boolean requireDevice,
    Long originalPriceCents,
    String description,
    WaitingRoomDefinition waitingRoom,
    Integer shards,
    Boolean hiddenOrderUrl,
    Boolean lastDraw) {

  /** A definition without stock shards. */
  public SaleDefinition(String saleId, String sku, String name, Integer stock, Integer perUserLimit, Long priceCents,
                        String currency, String startsAt, String endsAt, Integer holdSeconds, String allocation,
                        Integer perDeviceLimit, Boolean requireDevice, Long originalPriceCents, String description,
                        WaitingRoomDefinition waitingRoom) {
    this(saleId, sku, name, stock, perUserLimit, priceCents, currency, startsAt, endsAt, holdSeconds, allocation,
        perDeviceLimit, requireDevice, originalPriceCents, description, waitingRoom, null, null, null);
  }

  /** A definition without a last draw. */
  public SaleDefinition(String saleId, String sku, String name, Integer stock, Integer perUserLimit, Long priceCents,
                        String currency, String startsAt, String endsAt, Integer holdSeconds, String allocation,
                        Integer perDeviceLimit, Boolean requireDevice, Long originalPriceCents, String description,
                        WaitingRoomDefinition waitingRoom, Integer shards, Boolean hiddenOrderUrl) {
    this(saleId, sku, name, stock, perUserLimit, priceCents, currency, startsAt, endsAt, holdSeconds, allocation,
        perDeviceLimit, requireDevice, originalPriceCents, description, waitingRoom, shards, hiddenOrderUrl, null);
  }

  /**
   * The waiting room as the admin sent it; only {@code admitPerSecond} is required. {@code idleSeconds} was first
   * called {@code idleKickSeconds}, still taken as its alias.
   */
  public record WaitingRoomDefinition(Integer admitPerSecond, Integer passSeconds, Integer preQueueSeconds,
                                      Integer proofOfWorkBits, @JsonAlias("idleKickSeconds") Integer idleSeconds) {
    /** Seed 003's "auto-kick idle users after 1 hour". */
    static final int DEFAULT_IDLE_SECONDS = 3_600;

    public WaitingRoomDefinition(Integer admitPerSecond, Integer passSeconds, Integer preQueueSeconds,
                                 Integer proofOfWorkBits) {
      this(admitPerSecond, passSeconds, preQueueSeconds, proofOfWorkBits, null);
    }

    static final int DEFAULT_PASS_SECONDS = 120;
    static final int DEFAULT_PRE_QUEUE_SECONDS = 900;

    WaitingRoom toWaitingRoom(List<String> errors) {
      if (admitPerSecond == null) {
        errors.add("waitingRoom.admitPerSecond is required");
        return null;
      }
      if (proofOfWorkBits != null && proofOfWorkBits > 0 && proofOfWorkBits < ProofOfWorkBits.MIN) {
        errors.add(ProofOfWorkBits.invalid("waitingRoom.proofOfWorkBits", proofOfWorkBits,
            InputRules.MAX_PROOF_OF_WORK_BITS));
      }
      return WaitingRoom.newBuilder()
          .setAdmitPerSecond(admitPerSecond)
          .setPassSeconds(passSeconds != null ? passSeconds : DEFAULT_PASS_SECONDS)
          .setPreQueueSeconds(preQueueSeconds != null ? preQueueSeconds : DEFAULT_PRE_QUEUE_SECONDS)
          .setProofOfWorkBits(proofOfWorkBits != null ? proofOfWorkBits : 0)
          .setIdleKickSeconds(idleSeconds != null ? idleSeconds : DEFAULT_IDLE_SECONDS)
          .build();
    }
  }

  static final Pattern SALE_ID = InputRules.SALE_ID;
  static final int DEFAULT_PER_USER_LIMIT = 1;
  static final int DEFAULT_HOLD_SECONDS = 300;

  /** The sale to publish, or VALIDATION naming every broken rule at once. */
  public Sale toSale(Instant now) {
    List<String> errors = new ArrayList<>();
    if (saleId != null) {
      add(errors, InputRules.saleId("saleId", saleId));
    }
    add(errors, InputRules.text("sku", sku));
    add(errors, InputRules.text("name", name));
    add(errors, stock == null ? "stock is required" : InputRules.between("stock", stock, 1, InputRules.MAX_STOCK));
    if (perUserLimit != null) {
      add(errors, InputRules.between("perUserLimit", perUserLimit, 1, InputRules.MAX_QUANTITY));
    }
    add(errors, priceCents == null ? "priceCents is required" : InputRules.money("priceCents", priceCents));
    add(errors, InputRules.currency("currency", currency));
    Instant starts = instant("startsAt", startsAt, errors);
    Instant ends = instant("endsAt", endsAt, errors);
    if (starts != null && ends != null && !ends.isAfter(starts)) {
      errors.add("endsAt must be after startsAt");
    }
    if (holdSeconds != null) {
      add(errors, InputRules.between("holdSeconds", holdSeconds, InputRules.MIN_HOLD_SECONDS, InputRules.MAX_HOLD_SECONDS));
    }
    Allocation allocationValue = allocation(errors);
    WaitingRoom room = waitingRoom != null ? waitingRoom.toWaitingRoom(errors) : null;
    if (!errors.isEmpty()) {
      throw new Problem(ErrorCode.VALIDATION, String.join("; ", errors));
    }
    Sale sale = Sale.newBuilder()
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
        .setPerDeviceLimit(perDeviceLimit)
        .setRequireDevice(requireDevice != null && requireDevice)
        .setOriginalPriceCents(originalPriceCents)
        .setDescription(description)
        .setWaitingRoom(room)
        .setShards(shards != null ? shards : 1)
        .setHiddenOrderUrl(hiddenOrderUrl != null && hiddenOrderUrl)
        .setLastDraw(lastDraw != null && lastDraw)
        .build();
    // The topology's own check of the record: what passes here is never refused there.
    List<String> recordErrors = InputRules.violations(sale);
    if (!recordErrors.isEmpty()) {
      throw new Problem(ErrorCode.VALIDATION, String.join("; ", recordErrors));
    }
    return sale;
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

  private static void add(List<String> errors, String error) {
    if (error != null) {
      errors.add(error);
    }
  }

  private static Instant instant(String field, String value, List<String> errors) {
    if (value == null) {
      errors.add(field + " is required");
      return null;
    }
    try {
      Instant parsed = Instant.parse(value);
      String outOfRange = InputRules.instant(field, parsed);
      if (outOfRange != null) {
        errors.add(outOfRange);
        return null;
      }
      return parsed;
    } catch (DateTimeParseException e) {
      errors.add(field + " must be an ISO-8601 instant such as 2026-11-27T00:00:00Z");
      return null;
    }
  }
}
