package io.flashsale.topology;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * How far a lottery's draw has come, stored between its chunks. The draw first scores every entry into the ticket
 * store ({@link Phase#SCORING}), then walks the tickets in score order deciding each ({@link Phase#DRAWING}); the
 * cursor is the last key done, so that each chunk goes on from there.
 *
 * @param remaining units the draw has not given away yet: holds ending during the draw do not change it, so the
 *     draw is the same whatever the clock did meanwhile
 * @param digest the hash chain over the tickets decided so far (see {@link LotteryRules#nextDigest})
 */
record DrawProgress(Phase phase, String cursor, String seed, int remaining, long entries, long winners, String digest,
                    int lastPartition, long lastOffset, int lastIndex) {

  enum Phase { SCORING, DRAWING }

  static DrawProgress start(String seed, int stock) {
    return new DrawProgress(Phase.SCORING, null, seed, stock, 0, 0, LotteryRules.seedHash(seed), -1, -1, -1);
  }

  DrawProgress scored(String key, LotteryEntry entry) {
    boolean later = entry.requestPartition() != lastPartition || entry.requestOffset() > lastOffset
        || (entry.requestOffset() == lastOffset && entry.requestIndex() > lastIndex);
    return new DrawProgress(phase, key, seed, remaining, entries + 1, winners, digest,
        later ? entry.requestPartition() : lastPartition, later ? entry.requestOffset() : lastOffset,
        later ? entry.requestIndex() : lastIndex);
  }

  DrawProgress drawing() {
    return new DrawProgress(Phase.DRAWING, null, seed, remaining, entries, winners, digest, lastPartition, lastOffset,
        lastIndex);
  }

  DrawProgress decided(String key, LotteryEntry ticket, PurchaseDecision decision) {
    int quantity = ticket.request().getQuantity();
    return new DrawProgress(phase, key, seed, decision.accepted() ? remaining - quantity : remaining, entries,
        decision.accepted() ? winners + 1 : winners, LotteryRules.nextDigest(digest, ticket.request()), lastPartition,
        lastOffset, lastIndex);
  }

  /** Fields in order, the cursor as an empty string when there is none. */
  static Serde<DrawProgress> serde() {
    return Serdes.serdeFrom((topic, progress) -> progress == null ? null : write(progress),
        (topic, bytes) -> bytes == null ? null : read(bytes));
  }

  private static byte[] write(DrawProgress p) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(p.phase.ordinal());
      out.writeUTF(p.cursor == null ? "" : p.cursor);
      out.writeUTF(p.seed);
      out.writeInt(p.remaining);
      out.writeLong(p.entries);
      out.writeLong(p.winners);
      out.writeUTF(p.digest);
      out.writeInt(p.lastPartition);
      out.writeLong(p.lastOffset);
      out.writeInt(p.lastIndex);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static DrawProgress read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      Phase phase = Phase.values()[in.readByte()];
      String cursor = in.readUTF();
      return new DrawProgress(phase, cursor.isEmpty() ? null : cursor, in.readUTF(), in.readInt(), in.readLong(),
          in.readLong(), in.readUTF(), in.readInt(), in.readLong(), in.readInt());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
