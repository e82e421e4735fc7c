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
 * Where a sale's last draw stands, stored per sale from its registration.
 *
 * @param drawing the draw has begun (the sale sold out, or ended): no click takes available stock any more
 * @param round rounds drawn so far
 * @param digest the hash chain after the last round; null before the first (it starts at the seed's hash)
 * @param winners winners so far, one unit each
 * @param closed the draw is over and its seed published
 */
record LastDrawState(boolean drawing, int round, String digest, long winners, boolean closed) {

  static LastDrawState opened() {
    return new LastDrawState(false, 0, null, 0, false);
  }

  LastDrawState begun() {
    return new LastDrawState(true, round, digest, winners, closed);
  }

  LastDrawState drew(String nextDigest, int won) {
    return new LastDrawState(drawing, round + 1, nextDigest, winners + won, closed);
  }

  LastDrawState closedNow() {
    return new LastDrawState(drawing, round, digest, winners, true);
  }

  /** Fields in order, the digest as an empty string when there is none. */
  static Serde<LastDrawState> serde() {
    return Serdes.serdeFrom((topic, state) -> state == null ? null : write(state),
        (topic, bytes) -> bytes == null ? null : read(bytes));
  }

  private static byte[] write(LastDrawState s) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeBoolean(s.drawing);
      out.writeInt(s.round);
      out.writeUTF(s.digest == null ? "" : s.digest);
      out.writeLong(s.winners);
      out.writeBoolean(s.closed);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static LastDrawState read(byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      boolean drawing = in.readBoolean();
      int round = in.readInt();
      String digest = in.readUTF();
      return new LastDrawState(drawing, round, digest.isEmpty() ? null : digest, in.readLong(), in.readBoolean());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
