package io.flashsale.api.log;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics.Topic;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;

/**
 * Gathers the purchase requests of one SKU into one record. A lone request leaves at once; while a SKU's
 * record is on its way to the broker, the requests that arrive for that SKU wait and leave together as
 * soon as it is acknowledged, or as soon as {@code maxRequests} of them, or a record's worth of bytes, are
 * waiting. So the batch grows with the load by itself, an idle SKU waits for nothing, and the topology reads and
 * writes a hot sale's stock once per record instead of once per click. Each request's future completes only once
 * its record is acknowledged (acks=all), all of a record's requests in one step, with their place in the log.
 *
 * <p>A record is bounded by its encoded size as well as by count: ids and names may be up to 256 characters of up
 * to 4 bytes each, so 1,000 requests can take 3.3 MB, three times what a producer sends in one request by default.
 * A batch takes requests, in order, while the record stays within {@link TopicWriter#maxRecordBytes()}; the rest
 * wait for the next record.
 */
public final class PurchaseBatcher {
  /** Where a request landed: its record, and its index within the record's batch. */
  public record Placed(int partition, long offset, int index) {}

  /**
   * What a PurchaseBatch record holds besides its requests, at most: the wire format's 5-byte header, the SKU's
   * length (a varint of up to 5 bytes), the array's block count (up to 5) and its end (1).
   */
  private static final int BATCH_FRAMING_BYTES = 16;
  private static final SpecificDatumWriter<PurchaseRequest> REQUEST_WRITER =
      new SpecificDatumWriter<>(PurchaseRequest.getClassSchema());
  private static final ThreadLocal<CountingEncoder> COUNTERS = ThreadLocal.withInitial(CountingEncoder::new);

  private final TopicWriter writer;
  private final Topic<String, PurchaseBatch> topic;
  private final int maxRequests;
  private final int maxRecordBytes;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

  public PurchaseBatcher(TopicWriter writer, Topic<String, PurchaseBatch> topic, int maxRequests) {
    this.writer = writer;
    this.topic = topic;
    this.maxRequests = maxRequests;
    this.maxRecordBytes = writer.maxRecordBytes();
  }

  /** Completes once the request is durably in the log, or with UNAVAILABLE if its record could not be written. */
  public CompletableFuture<Placed> submit(PurchaseRequest request) {
    int bytes = encodedSize(request);
    return lanes.computeIfAbsent(request.getSku(), Lane::new).add(request, bytes);
  }

  /** The bytes the request takes in a batch: its Avro binary encoding. */
  static int encodedSize(PurchaseRequest request) {
    CountingEncoder counter = COUNTERS.get();
    return counter.count(request);
  }

  /** The requests of one SKU, in the order they arrived here. */
  private final class Lane {
    private final String sku;
    /** Bytes of requests one record may carry: the record's bound less its key (the SKU) and its framing. */
    private final long requestBytes;
    private final ArrayDeque<Waiting> waiting = new ArrayDeque<>();
    private long waitingBytes;
    private int inFlight;

    Lane(String sku) {
      this.sku = sku;
      int skuBytes = sku.getBytes(StandardCharsets.UTF_8).length;
      this.requestBytes = (long) maxRecordBytes - 2L * skuBytes - BATCH_FRAMING_BYTES;
    }

    CompletableFuture<Placed> add(PurchaseRequest request, int bytes) {
      CompletableFuture<Placed> placed = new CompletableFuture<>();
      List<Batch> ready;
      synchronized (this) {
        waiting.add(new Waiting(request, placed, bytes));
        waitingBytes += bytes;
        ready = takeReady();
      }
      ready.forEach(this::send);
      return placed;
    }

    /** What may leave now: everything while nothing is in flight, and every full record in any case. */
    private List<Batch> takeReady() {
      List<Batch> ready = new ArrayList<>(1);
      while (!waiting.isEmpty() && (inFlight == 0 || waiting.size() >= maxRequests || waitingBytes >= requestBytes)) {
        ready.add(take());
      }
      return ready;
    }

    /** The oldest waiting requests that fit one record (at least one); the rest keep waiting. */
    private Batch take() {
      List<PurchaseRequest> requests = new ArrayList<>(Math.min(waiting.size(), maxRequests));
      List<CompletableFuture<Placed>> waiters = new ArrayList<>(Math.min(waiting.size(), maxRequests));
      long bytes = 0;
      while (!waiting.isEmpty() && requests.size() < maxRequests
          && (requests.isEmpty() || bytes + waiting.peek().bytes() <= requestBytes)) {
        Waiting next = waiting.poll();
        bytes += next.bytes();
        waitingBytes -= next.bytes();
        requests.add(next.request());
        waiters.add(next.placed());
      }
      inFlight++;
      return new Batch(requests, waiters);
    }

    /**
     * Sends a batch; when the broker has answered, completes its requests and sends what gathered meanwhile.
     * Sending in the order taken keeps the lane's order: the producer is idempotent, so it keeps the order of
     * one partition's records across retries.
     */
    private void send(Batch batch) {
      writer.write(topic, sku, new PurchaseBatch(sku, batch.requests)).whenComplete((written, error) -> {
        for (int i = 0; i < batch.waiters.size(); i++) {
          if (error != null) {
            batch.waiters.get(i).completeExceptionally(error);
          } else {
            batch.waiters.get(i).complete(new Placed(written.partition(), written.offset(), i));
          }
        }
        List<Batch> next;
        synchronized (this) {
          inFlight--;
          next = takeReady();
        }
        next.forEach(this::send);
      });
    }
  }

  private record Waiting(PurchaseRequest request, CompletableFuture<Placed> placed, int bytes) {}

  private record Batch(List<PurchaseRequest> requests, List<CompletableFuture<Placed>> waiters) {}

  /** Counts the bytes Avro writes for a request, without keeping them. */
  private static final class CountingEncoder extends OutputStream {
    private long count;
    private BinaryEncoder encoder;

    int count(PurchaseRequest request) {
      count = 0;
      try {
        encoder = EncoderFactory.get().directBinaryEncoder(this, encoder);
        REQUEST_WRITER.write(request, encoder);
        encoder.flush();
      } catch (IOException e) {
        throw new UncheckedIOException(e); // nothing is written anywhere: it cannot happen
      }
      return (int) count;
    }

    @Override
    public void write(int b) {
      count++;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      count += len;
    }
  }
}
