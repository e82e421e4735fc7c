package io.flashsale.embedded;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeProducersResult.PartitionProducerState;
import org.apache.kafka.clients.admin.ListTopicsOptions;
import org.apache.kafka.clients.admin.ListTransactionsOptions;
import org.apache.kafka.clients.admin.ProducerState;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.admin.TransactionDescription;
import org.apache.kafka.clients.admin.TransactionListing;
import org.apache.kafka.clients.admin.TransactionState;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.RequestHeader;
import org.apache.kafka.common.requests.TransactionResult;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest;
import org.apache.kafka.common.requests.WriteTxnMarkersRequest.TxnMarkerEntry;
import org.apache.kafka.common.requests.WriteTxnMarkersResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Transactions that the single-node broker decided but left open in some of their partitions, closed as decided.
 *
 * <p>Why: a single-node KRaft broker started again after a kill loads its transaction log from the metadata it had
 * before the kill, and sends the markers of a transaction that was committing when it died. Until its listener
 * opens it cannot reach itself; meanwhile the controller fences the old incarnation, the partitions have no leader
 * for about two seconds, and Kafka 4.4's marker sender takes a partition without a leader for a deleted one (the
 * KRaft metadata cache gives no endpoint at all for leader -1): it skips its marker and records the transaction as
 * complete. The partitions keep an open transaction for good:
 * read-committed readers stop at it and the consumer group's offsets stay "unstable" (seen in a killed local stack
 * whose topology never came back). Only the coordinator could write the missing marker, and it believes it did.
 *
 * <p>So after such a start, a partition whose open transaction belongs to a producer whose transaction the
 * coordinator records as complete gets that outcome's marker: the commit or abort the coordinator decided, with the
 * epoch it ended with. A transaction still in progress, or one the coordinator does not know, is left alone.
 */
final class StrandedTransactions {
  private static final Logger log = LoggerFactory.getLogger(StrandedTransactions.class);
  /** Transactions version 2 ends each transaction by bumping the producer's epoch; its marker carries the new one. */
  private static final short TRANSACTION_VERSION = 2;

  private StrandedTransactions() {}

  /** A partition's open transaction: the producer, the epoch its records carry, and its last coordinator epoch. */
  record Open(TopicPartition partition, long producerId, int producerEpoch, int coordinatorEpoch) {}

  /** A marker to write: the outcome the coordinator recorded, for one producer's transaction in one partition. */
  record Marker(TopicPartition partition, long producerId, short producerEpoch, int coordinatorEpoch,
                TransactionResult result) {}

  /**
   * The markers that close the stranded transactions among {@code open}, given the coordinator's last transaction
   * of each producer: only one it records as complete, whose epoch is the one after the records' (the transaction
   * that wrote them, not an earlier one).
   */
  static List<Marker> markers(List<Open> open, Map<Long, TransactionDescription> lastByProducer) {
    List<Marker> markers = new ArrayList<>();
    for (Open o : open) {
      TransactionDescription last = lastByProducer.get(o.producerId());
      if (last == null || last.producerEpoch() != o.producerEpoch() + 1) {
        continue;
      }
      if (last.state() == TransactionState.COMPLETE_COMMIT || last.state() == TransactionState.COMPLETE_ABORT) {
        markers.add(new Marker(o.partition(), o.producerId(), (short) last.producerEpoch(), o.coordinatorEpoch(),
            last.state() == TransactionState.COMPLETE_COMMIT ? TransactionResult.COMMIT : TransactionResult.ABORT));
      }
    }
    return markers;
  }

  /**
   * Waits until the broker runs as its new incarnation ({@code brokerRunning}: the controller unfenced it; before,
   * its metadata may still be the one it had before the kill) and every partition has a leader, then closes the
   * stranded transactions; returns the markers written. While an open transaction is {@link #unsettled}, it looks
   * again, until {@code timeout} passed. Nothing to do costs three requests.
   */
  static List<Marker> close(Admin admin, BooleanSupplier brokerRunning, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<Marker> written = new ArrayList<>();
    try {
      while (true) {
        Optional<Map<TopicPartition, Node>> leaders = brokerRunning.getAsBoolean() ? leaders(admin) : Optional.empty();
        if (leaders.isPresent()) {
          List<Open> open = open(admin, leaders.get().keySet());
          Map<Long, TransactionDescription> lastByProducer = lastTransactions(admin, open);
          List<Marker> markers = markers(open, lastByProducer);
          for (Marker marker : markers) {
            log.warn("Closing {}'s transaction of producer {} left open after a crash: {} (its coordinator's "
                + "decision)", marker.partition(), marker.producerId(), marker.result());
            write(leaders.get().get(marker.partition()), marker);
            written.add(marker);
          }
          List<Open> unsettled = unsettled(open, lastByProducer);
          if (unsettled.isEmpty()) {
            if (!open.isEmpty() || !written.isEmpty()) {
              log.info("Stranded transactions closed: {}; open ones left to their coordinator: {}", written.size(),
                  open.size() - markers.size());
            }
            return written;
          }
          if (System.nanoTime() > deadline) {
            log.warn("Open transactions whose coordinator has not settled them after {}: {}", timeout, unsettled);
            return written;
          }
        } else if (System.nanoTime() > deadline) {
          throw new IllegalStateException("The broker did not run with a leader for every partition within " + timeout);
        }
        Thread.sleep(200);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while closing stranded transactions", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("Could not look for stranded transactions", e.getCause());
    }
  }

  /**
   * The open transactions to look at again: those whose coordinator is still ending them (prepared), and those it
   * does not list yet (a coordinator lists only the transaction log partitions it has loaded, and a restarted broker
   * loads them again once it leads them anew).
   */
  static List<Open> unsettled(List<Open> open, Map<Long, TransactionDescription> lastByProducer) {
    return open.stream().filter(o -> {
      TransactionDescription last = lastByProducer.get(o.producerId());
      return last == null
          || last.state() == TransactionState.PREPARE_COMMIT || last.state() == TransactionState.PREPARE_ABORT;
    }).toList();
  }

  private static List<Open> open(Admin admin, Set<TopicPartition> partitions)
      throws InterruptedException, ExecutionException {
    List<Open> open = new ArrayList<>();
    for (Map.Entry<TopicPartition, PartitionProducerState> partition
        : admin.describeProducers(partitions).all().get().entrySet()) {
      for (ProducerState producer : partition.getValue().activeProducers()) {
        if (producer.currentTransactionStartOffset().isPresent()) {
          open.add(new Open(partition.getKey(), producer.producerId(), producer.producerEpoch(),
              producer.coordinatorEpoch().orElse(0)));
        }
      }
    }
    return open;
  }

  /** The coordinator's last transaction of each producer with an open one. */
  private static Map<Long, TransactionDescription> lastTransactions(Admin admin, List<Open> open)
      throws InterruptedException, ExecutionException {
    if (open.isEmpty()) {
      return Map.of();
    }
    Set<Long> producers = open.stream().map(Open::producerId).collect(Collectors.toSet());
    Set<String> transactionalIds = admin.listTransactions(new ListTransactionsOptions().filterProducerIds(producers))
        .all().get().stream().map(TransactionListing::transactionalId).collect(Collectors.toSet());
    Map<Long, TransactionDescription> lastByProducer = new HashMap<>();
    admin.describeTransactions(transactionalIds).all().get().values()
        .forEach(d -> lastByProducer.put(d.producerId(), d));
    return lastByProducer;
  }

  /** Every partition's leader, or nothing while one has none. */
  private static Optional<Map<TopicPartition, Node>> leaders(Admin admin)
      throws InterruptedException, ExecutionException {
    Set<String> topics = admin.listTopics(new ListTopicsOptions().listInternal(true)).names().get();
    Map<TopicPartition, Node> leaders = new HashMap<>();
    for (TopicDescription topic : admin.describeTopics(topics).allTopicNames().get().values()) {
      for (TopicPartitionInfo p : topic.partitions()) {
        if (p.leader() == null || p.leader().isEmpty()) {
          return Optional.empty();
        }
        leaders.put(new TopicPartition(topic.name(), p.partition()), p.leader());
      }
    }
    return Optional.of(leaders);
  }

  /**
   * Writes one marker, as the coordinator would (WriteTxnMarkers; no client offers a commit marker, the
   * transactions tool only aborts). The plain single-node broker takes it from any client.
   */
  private static void write(Node leader, Marker marker) {
    short version = ApiKeys.WRITE_TXN_MARKERS.latestVersion();
    WriteTxnMarkersRequest request = new WriteTxnMarkersRequest.Builder(List.of(new TxnMarkerEntry(
        marker.producerId(), marker.producerEpoch(), marker.coordinatorEpoch(), marker.result(),
        List.of(marker.partition()), TRANSACTION_VERSION))).build(version);
    RequestHeader header = new RequestHeader(ApiKeys.WRITE_TXN_MARKERS, version, "flashsale-stranded-transactions", 1);
    try (Socket socket = new Socket(leader.host(), leader.port())) {
      socket.setSoTimeout(30_000);
      ByteBuffer bytes = request.serializeWithHeader(header);
      DataOutputStream out = new DataOutputStream(socket.getOutputStream());
      out.writeInt(bytes.remaining());
      out.write(bytes.array(), bytes.arrayOffset() + bytes.position(), bytes.remaining());
      out.flush();
      DataInputStream in = new DataInputStream(socket.getInputStream());
      byte[] answer = new byte[in.readInt()];
      in.readFully(answer);
      WriteTxnMarkersResponse response = (WriteTxnMarkersResponse) AbstractResponse.parseResponse(
          ByteBuffer.wrap(answer), header);
      Errors error = response.errorsByProducerId().get(marker.producerId()).get(marker.partition());
      if (error != Errors.NONE) {
        throw new IllegalStateException("The broker refused the marker " + marker + ": " + error);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Could not write the marker " + marker, e);
    }
  }
}
