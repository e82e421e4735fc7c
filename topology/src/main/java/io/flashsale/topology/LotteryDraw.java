package io.flashsale.topology;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * The order in which a lottery's entries are drawn. Anyone holding the request log can repeat it:
 * entries are first put in log order (partition, offset, index in the batch, then requestId), then shuffled with
 * {@link Collections#shuffle(List, Random)} and a {@link Random} seeded with {@link #seed(String)}.
 */
public final class LotteryDraw {
  private static final Comparator<LotteryEntry> LOG_ORDER = Comparator
      .comparingInt(LotteryEntry::requestPartition)
      .thenComparingLong(LotteryEntry::requestOffset)
      .thenComparingInt(LotteryEntry::requestIndex)
      .thenComparing(e -> e.request().getRequestId());

  private LotteryDraw() {}

  /**
   * The seed of a sale's draw: the first 8 bytes of SHA-256 over the saleId's UTF-8 bytes, read as a
   * big-endian long. Stable across JVMs and restarts, and published with the sale's id.
   */
  public static long seed(String saleId) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(saleId.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(digest, 0, Long.BYTES).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }

  static List<LotteryEntry> drawOrder(String saleId, Collection<LotteryEntry> entries) {
    List<LotteryEntry> order = new ArrayList<>(entries);
    order.sort(LOG_ORDER);
    Collections.shuffle(order, new Random(seed(saleId)));
    return order;
  }
}
