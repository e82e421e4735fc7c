package io.flashsale.api;

import io.flashsale.schemas.PurchaseBatch;
import io.flashsale.schemas.PurchaseRequest;
import io.flashsale.schemas.Topics.Topic;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Gathers the purchase requests of one SKU into one record. A lone request leaves at once; while a SKU's
 * record is on its way to the broker, the requests that arrive for that SKU wait and leave together as
 * soon as it is acknowledged, or as soon as {@code maxRequests} of them are waiting. So the batch grows
 * with the load by itself, an idle SKU waits for nothing, and the topology reads and writes a hot sale's
 * stock once per record instead of once per click. Each request's future completes only once its record
 * is acknowledged (acks=all), all of a record's requests in one step, with their place in the log.
 */
final class PurchaseBatcher {
  /** Where a request landed: its record, and its index within the record's batch. */
  record Placed(int partition, long offset, int index) {}

  private final TopicWriter writer;
  private final Topic<String, PurchaseBatch> topic;
  private final int maxRequests;
  private final Map<String, Lane> lanes = new ConcurrentHashMap<>();

  PurchaseBatcher(TopicWriter writer, Topic<String, PurchaseBatch> topic, int maxRequests) {
    this.writer = writer;
    this.topic = topic;
    this.maxRequests = maxRequests;
  }

  /** Completes once the request is durably in the log, or with UNAVAILABLE if its record could not be written. */
  CompletableFuture<Placed> submit(PurchaseRequest request) {
    return lanes.computeIfAbsent(request.getSku(), Lane::new).add(request);
  }

  /** The requests of one SKU, in the order they arrived here. */
  private final class Lane {
    private final String sku;
    private List<PurchaseRequest> waiting = new ArrayList<>();
    private List<CompletableFuture<Placed>> waiters = new ArrayList<>();
    private int inFlight;

    Lane(String sku) {
      this.sku = sku;
    }

    CompletableFuture<Placed> add(PurchaseRequest request) {
      CompletableFuture<Placed> placed = new CompletableFuture<>();
      Batch ready;
      synchronized (this) {
        waiting.add(request);
        waiters.add(placed);
        ready = inFlight == 0 || waiting.size() >= maxRequests ? take() : null;
      }
      send(ready);
      return placed;
    }

    private Batch take() {
      Batch batch = new Batch(waiting, waiters);
      waiting = new ArrayList<>();
      waiters = new ArrayList<>();
      inFlight++;
      return batch;
    }

    /**
     * Sends a batch; when the broker has answered, completes its requests and sends what gathered meanwhile.
     * Sending in the order taken keeps the lane's order: the producer is idempotent, so it keeps the order of
     * one partition's records across retries.
     */
    private void send(Batch batch) {
      if (batch == null) {
        return;
      }
      writer.write(topic, sku, new PurchaseBatch(sku, batch.requests)).whenComplete((written, error) -> {
        for (int i = 0; i < batch.waiters.size(); i++) {
          if (error != null) {
            batch.waiters.get(i).completeExceptionally(error);
          } else {
            batch.waiters.get(i).complete(new Placed(written.partition(), written.offset(), i));
          }
        }
        Batch next;
        synchronized (this) {
          inFlight--;
          next = inFlight == 0 && !waiting.isEmpty() ? take() : null;
        }
        send(next);
      });
    }
  }

  private record Batch(List<PurchaseRequest> requests, List<CompletableFuture<Placed>> waiters) {}
}
