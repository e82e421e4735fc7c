package io.flashsale.api.sale;

import io.flashsale.schemas.Sale;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * The claims of sale ids as the sale view reads them from {@code sale-claims}, the read side of {@link SaleClaims}:
 * the first claim of each id, and the claimants waiting to learn whether theirs was it.
 */
final class ClaimLog {
  /** A claim of a sale id: the definition and the claim's place in the log. */
  record Claim(Sale sale, int partition, long offset, Instant claimedAt) {
    boolean isAt(int partition, long offset) {
      return this.partition == partition && this.offset == offset;
    }
  }

  /** Where a claim was written. */
  private record Position(int partition, long offset) {}

  private final Map<String, Claim> claims = new ConcurrentHashMap<>();
  /** Guards the two maps below, which pair claim writers waiting for their claim with the view's progress. */
  private final Object claimProgress = new Object();
  /** Next claim offset to read, by partition of sale-claims. */
  private final Map<Integer, Long> claimsReadUpTo = new HashMap<>();
  private final Map<Position, CompletableFuture<Claim>> claimWaiters = new HashMap<>();

  /** True once anyone claimed the id. */
  boolean claimed(String saleId) {
    return claims.containsKey(saleId);
  }

  /** The winning claim of the id, as far as the view has read. */
  Optional<Claim> winning(String saleId) {
    return Optional.ofNullable(claims.get(saleId));
  }

  /**
   * Completes, on the common pool (never on the view's thread), with the winning claim of {@code saleId} once
   * the view has read the claim written at this place, so that the claimant knows whether its claim came first.
   */
  CompletableFuture<Claim> await(String saleId, int partition, long offset) {
    CompletableFuture<Claim> read = new CompletableFuture<>();
    synchronized (claimProgress) {
      if (claimsReadUpTo.getOrDefault(partition, 0L) > offset) {
        read.complete(claims.get(saleId));
      } else {
        claimWaiters.put(new Position(partition, offset), read);
      }
    }
    return read.thenApplyAsync(claim -> claim);
  }

  /** Forgets a wait that was given up. */
  void stopAwaiting(int partition, long offset) {
    synchronized (claimProgress) {
      claimWaiters.remove(new Position(partition, offset));
    }
  }

  /** Reads one record of {@code sale-claims}: the first claim of an id is the id's; waiters at this place learn. */
  void apply(ConsumerRecord<byte[], byte[]> record, Deserializer<Sale> claims) {
    String saleId = null;
    try {
      if (record.value() != null) {
        Sale sale = claims.deserialize(record.topic(), record.value());
        saleId = sale.getSaleId();
        // Records of a partition are read in log order: the first one seen for an id is the first claim.
        this.claims.putIfAbsent(saleId, new Claim(sale, record.partition(), record.offset(),
            Instant.ofEpochMilli(record.timestamp())));
      }
    } finally { // an unreadable claim still moves the view on, and its waiter learns it did not win
      CompletableFuture<Claim> waiter;
      synchronized (claimProgress) {
        claimsReadUpTo.put(record.partition(), record.offset() + 1);
        waiter = claimWaiters.remove(new Position(record.partition(), record.offset()));
      }
      if (waiter != null) {
        waiter.complete(saleId == null ? null : this.claims.get(saleId));
      }
    }
  }
}
