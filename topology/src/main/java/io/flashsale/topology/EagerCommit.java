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
 * <p>{@link ProcessorContext#commit()} only sets a flag on the task. Kafka Streams (4.4) hands the records of a poll
 * to each task in turns of a few records, and after every turn commits, in one transaction, every task of the thread
 * if one of them asked ({@code StreamThread.runOnceWithoutProcessingThreads}, {@code
 * TaskManager.maybeCommitActiveTasksPerUserRequested}); after a commit it halves the turn. So the request comes only
 * with the last record of its partition the thread has in hand ({@link FetchedRecords}): the records of one poll
 * are decided first and committed together, and a lone record right after it was decided. A record logged longer
 * ago than the lag is part of a backlog being drained: no request there, and a backlog is committed at the interval
 * as before, one transaction for many decisions. Under a live load a poll brings what arrived during the previous
 * commit, so commits come as often as the broker completes them; a topology that falls behind by more than the lag
 * goes back to the interval by itself. Zero turns it off.
 */
final class EagerCommit {
  private final long lagMs;
  private final FetchedRecords fetched;

  /** {@code lag} zero: never asks, the commit interval alone decides. */
  EagerCommit(Duration lag, FetchedRecords fetched) {
    this.lagMs = lag.toMillis();
    this.fetched = fetched;
  }

  /**
   * Asks for a commit after this round if the record, logged at {@code loggedAtMs}, is no older than the lag and is
   * the last of its partition in the thread's hands ({@link FetchedRecords}): the records fetched with it are decided
   * first and committed with it, in one transaction.
   */
  void decided(ProcessorContext<?, ?> context, long loggedAtMs) {
    if (lagMs > 0 && context.currentSystemTimeMs() - loggedAtMs <= lagMs && fetched.lastInHand(context)) {
      context.commit();
    }
  }
}
