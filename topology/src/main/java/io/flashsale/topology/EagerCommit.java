package io.flashsale.topology;

import java.time.Duration;
import org.apache.kafka.streams.processor.api.ProcessorContext;

/**
 * Asks Kafka Streams to commit as soon as a record that buyers wait on is decided, when the task is caught up with
 * its input, instead of waiting for the commit interval. Under exactly-once a decision is invisible to
 * read_committed readers (the API, the sink) until its transaction commits. Idle, the default interval costs more
 * than its average: Kafka Streams checks the interval after each poll, and an idle poll waits {@code poll.ms} (100 ms)
 * for records, so at an interval of 100 ms a lone record arriving mid-poll is processed at once but committed only
 * after the next, empty poll, about 100 ms later (measured: outcomes appended 105–120 ms after their request was
 * logged). A shorter interval would commit it sooner, but would commit a backlog that much more often too.
 *
 * <p>{@link ProcessorContext#commit()} only sets a flag on the task; Kafka Streams (4.3) checks it after each round
 * of processing (poll, process, punctuate, then commit: {@code StreamThread.maybeCommit} and
 * {@code TaskManager.maybeCommitActiveTasksPerUserRequested}) and then commits every running task of the thread in
 * one transaction. So a record decided right after it was logged is committed at the end of its round. A record
 * logged longer ago than the lag is part of a backlog being drained: no request there, and a backlog is committed
 * at the interval as before, one transaction for many decisions. Under a live load rounds are short, so commits
 * come as often as the broker completes them, each carrying what arrived during the previous one; a topology that
 * falls behind by more than the lag goes back to the interval by itself. Zero turns it off.
 */
final class EagerCommit {
  private final long lagMs;

  /** {@code lag} zero: never asks, the commit interval alone decides. */
  EagerCommit(Duration lag) {
    this.lagMs = lag.toMillis();
  }

  /** Asks for a commit after this round if the record, logged at {@code loggedAtMs}, is no older than the lag. */
  void decided(ProcessorContext<?, ?> context, long loggedAtMs) {
    if (lagMs > 0 && context.currentSystemTimeMs() - loggedAtMs <= lagMs) {
      context.commit();
    }
  }
}
