package io.flashsale.topology;

import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Sale;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of a fair lottery, as pure functions: who holds a ticket, the order of the draw, the digest of the
 * entries, and (for anyone checking a published draw) the whole draw recomputed from the seed and the request log.
 * The topology draws in chunks from its stores; {@link #recompute} walks the same rules in memory, so that a
 * verifier and the topology cannot disagree about what the rules are.
 */
public final class LotteryRules {
  /** How anyone recomputes a draw, published with it. */
  public static final String ALGORITHM = """
      Check that SHA-256(seed) in lowercase hex is the sale's drawSeedHash, published when the sale was created. \
      Read purchase-requests in log order (offset, then the index in the record's batch) up to and including \
      lastEntryPartition/lastEntryOffset/lastEntryIndex. Skip a request that is invalid (dead-lettered) or whose requestId was seen before (a retry). \
      A request enters if it names the sale and its SKU, its record's timestamp (the broker's append time) is in \
      [startsAt, endsAt), its quantity is within perUserLimit and perDeviceLimit, and its user has no ticket yet: \
      each user's first such request is the user's one ticket. A ticket's score is SHA-256(seed + ":" + userId) \
      in lowercase hex; the draw order is by score, then userId. entriesDigest starts as the seedHash and for each \
      ticket in draw order becomes SHA-256(digest + "\\n" + userId + ":" + quantity + ":" + deviceId), the deviceId \
      empty without one. Walking the draw order with the sale's stock, a ticket wins if the units left cover its \
      quantity and its device (if the sale has perDeviceLimit) stays within the limit with the units its other \
      tickets won; the winners are ACCEPTED on purchase-outcomes, every other ticket REJECTED.""";
  private static final Comparator<Ticket> DRAW_ORDER = Comparator.comparing(Ticket::score)
      .thenComparing(t -> t.request().getUserId());

  private LotteryRules() {}

  /** A request in the log: its record's partition, offset and append time, and its index in the record's batch. */
  public record LoggedRequest(PurchaseRequest request, int partition, long offset, int index, Instant loggedAt) {}

  /** A ticket with its score. */
  public record Ticket(PurchaseRequest request, String score) {}

  /** A draw as recomputed: the tickets in draw order, the digest over them, and the request ids that won. */
  public record Recomputed(List<Ticket> tickets, String entriesDigest, Set<String> winningRequestIds) {}

  /** The hash of a seed that is published before the draw: lowercase hex SHA-256 of its UTF-8 bytes. */
  public static String seedHash(String seed) {
    return sha256Hex(seed);
  }

  /** A ticket's score: lowercase hex SHA-256 of seed + ":" + userId; the draw goes in ascending score. */
  public static String score(String seed, String userId) {
    return sha256Hex(seed + ":" + userId);
  }

  /** The digest after one more ticket in draw order; the first ticket's comes after the seed hash. */
  public static String nextDigest(String digest, PurchaseRequest ticket) {
    String device = ticket.getDeviceId() == null ? "" : ticket.getDeviceId();
    return sha256Hex(digest + "\n" + ticket.getUserId() + ":" + ticket.getQuantity() + ":" + device);
  }

  /**
   * True if the request would enter the sale's lottery when its user has no ticket yet: valid as the topology
   * requires, and let through by {@link PurchaseDecision} (window, per-user and per-device limits; nothing is held
   * in a lottery before its draw).
   */
  public static boolean enters(Sale sale, PurchaseRequest request, Instant loggedAt) {
    return isValid(request) && PurchaseDecision.decideFromAvailable(sale, sale.getStock(), 0, 0, request,
        loggedAt).verdict() == PurchaseDecision.Verdict.ENTER_LOTTERY;
  }

  /** True if the topology decides the request at all; an invalid one is dead-lettered and leaves no trace. */
  static boolean isValid(PurchaseRequest request) {
    try {
      Validation.requireValidPurchase(request.getSku(), request);
      return true;
    } catch (InvalidRecordException invalid) {
      return false;
    }
  }

  /**
   * The draw of {@code sale} recomputed from its seed and the request log (in log order) up to the last request
   * that became a ticket, by the rules of {@link #ALGORITHM}.
   */
  public static Recomputed recompute(Sale sale, String seed, List<LoggedRequest> log, int lastPartition,
      long lastOffset, int lastIndex) {
    Set<String> seen = new HashSet<>();
    Map<String, PurchaseRequest> ticketsByUser = new LinkedHashMap<>();
    for (LoggedRequest logged : log) {
      if (logged.partition() != lastPartition || logged.offset() > lastOffset
          || (logged.offset() == lastOffset && logged.index() > lastIndex)) {
        continue;
      }
      PurchaseRequest request = logged.request();
      // The topology remembers every decided request of the sale by its id, so a repeated id is never decided again.
      if (!request.getSaleId().equals(sale.getSaleId()) || !isValid(request) || !seen.add(request.getRequestId())) {
        continue;
      }
      if (enters(sale, request, logged.loggedAt())) {
        ticketsByUser.putIfAbsent(request.getUserId(), request);
      }
    }
    List<Ticket> tickets = new ArrayList<>();
    ticketsByUser.values().forEach(request -> tickets.add(new Ticket(request, score(seed, request.getUserId()))));
    tickets.sort(DRAW_ORDER);
    String digest = seedHash(seed);
    int remaining = sale.getStock();
    Map<String, Integer> deviceWon = new HashMap<>();
    Set<String> winners = new HashSet<>();
    for (Ticket ticket : tickets) {
      PurchaseRequest request = ticket.request();
      digest = nextDigest(digest, request);
      String device = request.getDeviceId();
      PurchaseDecision decision = PurchaseDecision.draw(sale, remaining,
          device == null ? 0 : deviceWon.getOrDefault(device, 0), request);
      if (decision.accepted()) {
        remaining -= request.getQuantity();
        winners.add(request.getRequestId());
        if (device != null) {
          deviceWon.merge(device, request.getQuantity(), Integer::sum);
        }
      }
    }
    return new Recomputed(tickets, digest, winners);
  }

  static String sha256Hex(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
      StringBuilder hex = new StringBuilder(digest.length * 2);
      for (byte b : digest) {
        hex.append(Character.forDigit((b >> 4) & 0xF, 16)).append(Character.forDigit(b & 0xF, 16));
      }
      return hex.toString();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }
}
