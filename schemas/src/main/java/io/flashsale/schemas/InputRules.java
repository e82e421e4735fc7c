package io.flashsale.schemas;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Currency;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The one set of input rules. The API checks what it takes with them and the topology checks what it reads
 * with them, so a value the API accepted is never refused later (where it could only be dead-lettered, and
 * its request would never get an outcome). Every check answers the broken rule as text, or null when the
 * value passes; the record checks answer every broken rule of a record, or an empty list.
 *
 * <p>Text refuses control characters (NUL breaks PostgreSQL's text, and ids are joined with U+001F in store
 * keys), unpaired surrogates (they have no UTF-8 form) and noncharacters, and is at most
 * {@value #MAX_TEXT_LENGTH} characters. Money is at most 10^12 minor units, so that a price times a quantity
 * stays far from overflowing a long.
 */
public final class InputRules {
  /** Most characters (code points) of any text: names, descriptions, SKUs, ids. */
  public static final int MAX_TEXT_LENGTH = 256;
  /** Sale ids chosen by an admin: they appear in URLs, so they are tighter than other ids. */
  public static final Pattern SALE_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");
  /** Idempotency keys: 1 to this many printable ASCII characters. */
  public static final int MAX_IDEMPOTENCY_KEY_LENGTH = 64;
  /** Flow ids (header Flashsale-Flow): 1 to this many printable ASCII characters, as idempotency keys. */
  public static final int MAX_FLOW_ID_LENGTH = 64;
  /** Most minor units of any amount of money (10^12: ten billion dollars in cents). */
  public static final long MAX_MONEY_MINOR_UNITS = 1_000_000_000_000L;
  /** Most units a sale may have. */
  public static final int MAX_STOCK = 1_000_000_000;
  /** Most units one user may be allowed, and so the most one request may ask for. */
  public static final int MAX_QUANTITY = 10_000;
  public static final int MIN_HOLD_SECONDS = 1;
  public static final int MAX_HOLD_SECONDS = 86_400;
  public static final int MAX_ADMIT_PER_SECOND = 100_000;
  public static final int MIN_PASS_SECONDS = 10;
  public static final int MAX_PASS_SECONDS = 3_600;
  public static final int MAX_PRE_QUEUE_SECONDS = 86_400;
  /** Two of the buyer page's 25 s long-polls and some: a page that polls is never idle this long. */
  public static final int MIN_IDLE_KICK_SECONDS = 60;
  public static final int MAX_IDLE_KICK_SECONDS = 86_400;
  /** 32 bits is about four billion hashes a join: far past what a browser does in a minute. */
  public static final int MAX_PROOF_OF_WORK_BITS = 32;
  private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-f]{64}");
  /** Instants outside these bounds have no millisecond timestamp (or no sensible one). */
  public static final Instant EARLIEST_INSTANT = Instant.EPOCH;
  public static final Instant LATEST_INSTANT = Instant.parse("9999-12-31T23:59:59.999Z");

  private InputRules() {}

  // --- values

  /** A required text: present, not blank, clean, at most {@value #MAX_TEXT_LENGTH} characters. */
  public static String text(String field, String value) {
    if (value == null) {
      return field + " is required";
    }
    if (value.isBlank()) {
      return field + " must not be blank";
    }
    return optionalText(field, value);
  }

  /** An optional text: absent, or clean and at most {@value #MAX_TEXT_LENGTH} characters (blank allowed). */
  public static String optionalText(String field, String value) {
    if (value == null) {
      return null;
    }
    int length = value.length(); // UTF-16 units: a code point is one or two, so counting is rarely needed
    if (length > MAX_TEXT_LENGTH
        && (length > MAX_TEXT_LENGTH * 2 || value.codePointCount(0, length) > MAX_TEXT_LENGTH)) {
      return field + " must have at most " + MAX_TEXT_LENGTH + " characters";
    }
    if (!isClean(value)) {
      return field + " must not contain control characters, unpaired surrogates or noncharacters";
    }
    return null;
  }

  /** A sale id an admin chose: {@link #SALE_ID}. */
  public static String saleId(String field, String value) {
    if (value == null) {
      return field + " is required";
    }
    return SALE_ID.matcher(value).matches() ? null : field + " must match " + SALE_ID.pattern();
  }

  /** An optional Idempotency-Key: absent, or 1 to {@value #MAX_IDEMPOTENCY_KEY_LENGTH} printable ASCII characters. */
  public static String idempotencyKey(String field, String value) {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > MAX_IDEMPOTENCY_KEY_LENGTH) {
      return field + " must be 1-" + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        return field + " must be 1-" + MAX_IDEMPOTENCY_KEY_LENGTH + " printable ASCII characters";
      }
    }
    return null;
  }

  /** An optional flow id: absent, or 1 to {@value #MAX_FLOW_ID_LENGTH} printable ASCII characters. */
  public static String flowId(String field, String value) {
    if (value == null) {
      return null;
    }
    if (value.isEmpty() || value.length() > MAX_FLOW_ID_LENGTH || !value.chars().allMatch(c -> c >= 0x20 && c <= 0x7e)) {
      return field + " must be 1-" + MAX_FLOW_ID_LENGTH + " printable ASCII characters";
    }
    return null;
  }

  /** A whole number in [min, max]. */
  public static String between(String field, long value, long min, long max) {
    return value >= min && value <= max ? null : field + " must be " + min + ".." + max;
  }

  /** An amount of money: 0 to {@link #MAX_MONEY_MINOR_UNITS} minor units. */
  public static String money(String field, long value) {
    return between(field, value, 0, MAX_MONEY_MINOR_UNITS);
  }

  /** An ISO 4217 currency code, upper case. */
  public static String currency(String field, String value) {
    if (value == null) {
      return field + " is required";
    }
    if (value.length() == 3) {
      try {
        if (Currency.getInstance(value).getCurrencyCode().equals(value)) {
          return null;
        }
      } catch (IllegalArgumentException e) {
        // answered below
      }
    }
    return field + " must be an ISO 4217 code";
  }

  /** An instant between {@link #EARLIEST_INSTANT} and {@link #LATEST_INSTANT}. */
  public static String instant(String field, Instant value) {
    if (value == null) {
      return field + " is required";
    }
    return value.isBefore(EARLIEST_INSTANT) || value.isAfter(LATEST_INSTANT)
        ? field + " must be between " + EARLIEST_INSTANT + " and " + LATEST_INSTANT : null;
  }

  /**
   * True unless the text holds a control character (C0, DEL, C1), half of a surrogate pair, or a
   * noncharacter (U+FDD0..U+FDEF and the last two code points of every plane, U+FFFE and U+FFFF among them).
   */
  public static boolean isClean(String value) {
    // A plain loop: several ids of every purchase pass here, in the API and in the topology.
    int length = value.length();
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      if (c < 0x20 || (c >= 0x7f && c <= 0x9f)) {
        return false;
      }
      int codePoint = c;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 >= length || !Character.isLowSurrogate(value.charAt(i + 1))) {
          return false;
        }
        codePoint = Character.toCodePoint(c, value.charAt(++i));
      } else if (Character.isLowSurrogate(c)) {
        return false;
      }
      if ((codePoint & 0xFFFE) == 0xFFFE || (codePoint >= 0xFDD0 && codePoint <= 0xFDEF)) {
        return false;
      }
    }
    return true;
  }

  // --- records, as written to the topics

  /** Every rule the sale definition breaks; the sale id is any clean id here (the API chooses them tighter). */
  public static List<String> violations(Sale sale) {
    List<String> errors = null;
    errors = add(errors, text("saleId", sale.getSaleId()));
    errors = add(errors, text("sku", sale.getSku()));
    errors = add(errors, text("name", sale.getName()));
    errors = add(errors, between("stock", sale.getStock(), 1, MAX_STOCK));
    errors = add(errors, between("perUserLimit", sale.getPerUserLimit(), 1, MAX_QUANTITY));
    errors = add(errors, money("priceCents", sale.getPriceCents()));
    errors = add(errors, currency("currency", sale.getCurrency()));
    errors = add(errors, instant("startsAt", sale.getStartsAt()));
    errors = add(errors, instant("endsAt", sale.getEndsAt()));
    if (sale.getStartsAt() != null && sale.getEndsAt() != null && !sale.getEndsAt().isAfter(sale.getStartsAt())) {
      errors = add(errors, "endsAt must be after startsAt");
    }
    errors = add(errors, between("holdSeconds", sale.getHoldSeconds(), MIN_HOLD_SECONDS, MAX_HOLD_SECONDS));
    if (sale.getAllocation() == null) {
      errors = add(errors, "allocation is required");
    }
    errors = add(errors, instant("createdAt", sale.getCreatedAt()));
    if (sale.getPerDeviceLimit() != null) {
      errors = add(errors, between("perDeviceLimit", sale.getPerDeviceLimit(), 1, MAX_QUANTITY));
    }
    if (sale.getOriginalPriceCents() != null) {
      errors = add(errors, money("originalPriceCents", sale.getOriginalPriceCents()));
      // The price before the sale is shown struck through beside the sale's: one at or below it would mislead.
      if (sale.getOriginalPriceCents() <= sale.getPriceCents()) {
        errors = add(errors, "originalPriceCents must be above priceCents (" + sale.getPriceCents() + ")");
      }
    }
    errors = add(errors, optionalText("description", sale.getDescription()));
    if (sale.getWaitingRoom() != null) {
      WaitingRoom room = sale.getWaitingRoom();
      errors = add(errors, between("waitingRoom.admitPerSecond", room.getAdmitPerSecond(), 1, MAX_ADMIT_PER_SECOND));
      errors = add(errors, between("waitingRoom.passSeconds", room.getPassSeconds(), MIN_PASS_SECONDS, MAX_PASS_SECONDS));
      errors = add(errors, between("waitingRoom.preQueueSeconds", room.getPreQueueSeconds(), 0, MAX_PRE_QUEUE_SECONDS));
      errors = add(errors, between("waitingRoom.proofOfWorkBits", room.getProofOfWorkBits(), 0, MAX_PROOF_OF_WORK_BITS));
      errors = add(errors, between("waitingRoom.idleKickSeconds", room.getIdleKickSeconds(), MIN_IDLE_KICK_SECONDS,
          MAX_IDLE_KICK_SECONDS));
    }
    if (sale.getDrawSeedHash() != null && !SHA256_HEX.matcher(sale.getDrawSeedHash()).matches()) {
      errors = add(errors, "drawSeedHash must be 64 lowercase hex digits");
    }
    // The last draw is among a queue's waiting buyers, and a lottery has no sell-out to draw after.
    if (sale.getLastDraw() && (sale.getWaitingRoom() == null || sale.getAllocation() != Allocation.FCFS)) {
      errors = add(errors, "lastDraw takes an FCFS sale with a waitingRoom");
    }
    errors = add(errors, between("shards", sale.getShards(), 1, Shards.MAX_SHARDS));
    if (sale.getShards() > 1) {
      // A shard knows only its own buyers: rules across all buyers of a sale need the one partition.
      if (sale.getAllocation() != Allocation.FCFS || sale.getWaitingRoom() != null || sale.getPerDeviceLimit() != null) {
        errors = add(errors, "shards > 1 takes an FCFS sale without waitingRoom and perDeviceLimit");
      }
      if (sale.getShard() == null && sale.getStock() < sale.getShards()) {
        errors = add(errors, "shards must be at most stock");
      }
    }
    if (sale.getShard() != null) {
      errors = add(errors, between("shard", sale.getShard(), 0, sale.getShards() - 1));
    }
    return done(errors);
  }

  /** Every rule the purchase request breaks. */
  public static List<String> violations(PurchaseRequest request) {
    List<String> errors = null;
    errors = add(errors, text("requestId", request.getRequestId()));
    errors = add(errors, text("saleId", request.getSaleId()));
    errors = add(errors, text("sku", request.getSku()));
    errors = add(errors, text("userId", request.getUserId()));
    errors = add(errors, optionalText("deviceId", request.getDeviceId()));
    errors = add(errors, between("quantity", request.getQuantity(), 1, MAX_QUANTITY));
    errors = add(errors, idempotencyKey("idempotencyKey", request.getIdempotencyKey()));
    errors = add(errors, instant("requestedAt", request.getRequestedAt()));
    errors = add(errors, flowId("flowId", request.getFlowId()));
    return done(errors);
  }

  /** Every rule the waiting-room join breaks. */
  public static List<String> violations(QueueJoin join) {
    List<String> errors = null;
    errors = add(errors, text("saleId", join.getSaleId()));
    errors = add(errors, text("userId", join.getUserId()));
    errors = add(errors, optionalText("deviceId", join.getDeviceId()));
    errors = add(errors, flowId("flowId", join.getFlowId()));
    return done(errors);
  }

  /** Every rule the hold cancellation breaks. */
  public static List<String> violations(HoldCancellation cancellation) {
    List<String> errors = null;
    errors = add(errors, text("requestId", cancellation.getRequestId()));
    errors = add(errors, text("saleId", cancellation.getSaleId()));
    errors = add(errors, text("sku", cancellation.getSku()));
    errors = add(errors, text("userId", cancellation.getUserId()));
    errors = add(errors, instant("requestedAt", cancellation.getRequestedAt()));
    return done(errors);
  }

  /** Every rule the end of a sale breaks. */
  public static List<String> violations(SaleEnd end) {
    List<String> errors = null;
    errors = add(errors, text("saleId", end.getSaleId()));
    errors = add(errors, text("sku", end.getSku()));
    errors = add(errors, instant("requestedAt", end.getRequestedAt()));
    return done(errors);
  }

  /**
   * Every rule the payment event breaks. The currency is only clean text here: the provider's word is
   * recorded as it came, and a currency that matches no sale is the topology's to judge (a refund is due).
   */
  public static List<String> violations(PaymentEvent event) {
    List<String> errors = null;
    errors = add(errors, text("eventId", event.getEventId()));
    errors = add(errors, text("paymentId", event.getPaymentId()));
    errors = add(errors, text("requestId", event.getRequestId()));
    errors = add(errors, text("saleId", event.getSaleId()));
    errors = add(errors, text("sku", event.getSku()));
    errors = add(errors, text("currency", event.getCurrency()));
    errors = add(errors, money("amountCents", event.getAmountCents()));
    errors = add(errors, optionalText("orderId", event.getOrderId()));
    return done(errors);
  }

  /** Most purchases one order pays for: a cart of 20 holds is far past what a buyer of a flash event holds at once. */
  public static final int MAX_ORDER_ITEMS = 20;

  public static List<String> violations(Order order) {
    List<String> errors = null;
    errors = add(errors, text("orderId", order.getOrderId()));
    errors = add(errors, text("userId", order.getUserId()));
    errors = add(errors, text("paymentId", order.getPaymentId()));
    errors = add(errors, text("currency", order.getCurrency()));
    errors = add(errors, money("amountCents", order.getAmountCents()));
    if (order.getItems().isEmpty() || order.getItems().size() > MAX_ORDER_ITEMS) {
      errors = add(errors, "items must hold 1 to " + MAX_ORDER_ITEMS + " purchases");
    }
    long sum = 0;
    for (OrderItem item : order.getItems()) {
      errors = add(errors, text("items.requestId", item.getRequestId()));
      errors = add(errors, text("items.saleId", item.getSaleId()));
      errors = add(errors, text("items.sku", item.getSku()));
      errors = add(errors, money("items.amountCents", item.getAmountCents()));
      sum += item.getAmountCents();
    }
    if (sum != order.getAmountCents()) {
      errors = add(errors, "amountCents must be the sum of the items' amounts");
    }
    return done(errors);
  }

  // Lazily allocated: the records of a rush are nearly all clean, and then nothing is allocated.
  private static List<String> add(List<String> errors, String error) {
    if (error == null) {
      return errors;
    }
    List<String> list = errors == null ? new ArrayList<>(2) : errors;
    list.add(error);
    return list;
  }

  private static List<String> done(List<String> errors) {
    return errors == null ? List.of() : errors;
  }
}
