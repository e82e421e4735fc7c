package io.flashsale.topology;

import io.flashsale.schemas.PurchaseRequest;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Map;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Stores a lottery entry as partition (4 bytes), offset (8 bytes), index in its batch (4 bytes), then the
 * request in the Avro wire format.
 */
final class LotteryEntrySerde implements Serde<LotteryEntry>, Serializer<LotteryEntry>, Deserializer<LotteryEntry> {
  private static final int POSITION_BYTES = Integer.BYTES + Long.BYTES + Integer.BYTES;
  private final Serde<PurchaseRequest> requests;

  LotteryEntrySerde(Serde<PurchaseRequest> requests) {
    this.requests = requests;
  }

  @Override
  public byte[] serialize(String topic, LotteryEntry entry) {
    if (entry == null) {
      return null;
    }
    byte[] request = requests.serializer().serialize(topic, entry.request());
    return ByteBuffer.allocate(POSITION_BYTES + request.length)
        .putInt(entry.requestPartition())
        .putLong(entry.requestOffset())
        .putInt(entry.requestIndex())
        .put(request)
        .array();
  }

  @Override
  public LotteryEntry deserialize(String topic, byte[] data) {
    if (data == null) {
      return null;
    }
    ByteBuffer buffer = ByteBuffer.wrap(data);
    int partition = buffer.getInt();
    long offset = buffer.getLong();
    int index = buffer.getInt();
    PurchaseRequest request = requests.deserializer().deserialize(topic,
        Arrays.copyOfRange(data, POSITION_BYTES, data.length));
    return new LotteryEntry(request, partition, offset, index);
  }

  @Override
  public Serializer<LotteryEntry> serializer() {
    return this;
  }

  @Override
  public Deserializer<LotteryEntry> deserializer() {
    return this;
  }

  @Override
  public void configure(Map<String, ?> configs, boolean isKey) {}

  @Override
  public void close() {}
}
