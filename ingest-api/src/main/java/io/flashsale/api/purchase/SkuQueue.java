package io.flashsale.api.purchase;

import java.util.NavigableMap;
import java.util.TreeMap;

/**
 * The requests of one SKU in log order, numbered as this view reads them. A record's first number is kept by
 * its offset until the topology has decided past it, so an outcome's (offset, index) tells how far the
 * topology got; only the records not yet decided are kept.
 */
final class SkuQueue {
  /**
   * Most records of one SKU kept while waiting for the topology to decide past them. A retry answered by a
   * repeat names no new place, so its record is passed only by a later decision of the SKU, and a sale over
   * takes none: without a cap every replay of an ended sale would stay. 10,000 records are at least 10,000
   * requests ahead, well beyond any position worth showing; one held costs about 80 bytes.
   */
  static final int MAX_HELD_RECORDS = 10_000;
  private final NavigableMap<Long, Long> firstSeqByOffset = new TreeMap<>();
  private long read;
  private volatile long decidedSeq = -1;

  /** A record of {@code count} requests at {@code offset} was read; returns the number of its first. */
  synchronized long read(long offset, int count) {
    long first = read;
    firstSeqByOffset.put(offset, first);
    if (firstSeqByOffset.size() > MAX_HELD_RECORDS) {
      firstSeqByOffset.pollFirstEntry();
    }
    read += count;
    return first;
  }

  synchronized int heldRecords() {
    return firstSeqByOffset.size();
  }

  /** The topology decided the request at {@code index} of the record at {@code offset}. */
  synchronized void decided(long offset, int index) {
    Long first = firstSeqByOffset.get(offset);
    if (first == null) {
      return; // a record read before this view started, or already passed
    }
    decidedSeq = Math.max(decidedSeq, first + index);
    firstSeqByOffset.headMap(offset, false).clear();
  }

  long decidedSeq() {
    return decidedSeq;
  }
}
