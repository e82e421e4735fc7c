package io.flashsale.api.log;

import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.time.Duration;

/**
 * How the API writes to the log.
 *
 * @param produceTimeout FLASHSALE_PRODUCE_TIMEOUT_MS, default 15000: how long a request may wait for the broker's ack;
 *     longer than a broker's failover (the controller fences a dead broker after broker.session.timeout.ms, 9 s by
 *     default, then elects new leaders), so that a request in flight when a leader dies is retried to the new
 *     leader and answered 202 instead of 503
 * @param batchMaxRequests FLASHSALE_BATCH_MAX_REQUESTS, default {@value #DEFAULT_BATCH_MAX_REQUESTS}: most purchase
 *     requests of one SKU in one Kafka record (see {@link PurchaseBatcher}); 1 writes a record per request
 */
public record WriterSettings(Duration produceTimeout, int batchMaxRequests) {
  /**
   * Most purchase requests of one SKU in one record: one record of that size is a few milliseconds of the
   * topology's time. A request is about 100 bytes, but up to 3.3 KB with the longest ids, so the batcher bounds a
   * record's bytes too ({@link TopicWriter#maxRecordBytes()}).
   */
  public static final int DEFAULT_BATCH_MAX_REQUESTS = 1_000;

  public WriterSettings {
    if (batchMaxRequests < 1) {
      throw new SettingException("FLASHSALE_BATCH_MAX_REQUESTS", "must be at least 1, was " + batchMaxRequests);
    }
  }

  public static WriterSettings fromEnv(Settings env) {
    return new WriterSettings(env.millis("FLASHSALE_PRODUCE_TIMEOUT_MS", Duration.ofSeconds(15)),
        env.integer("FLASHSALE_BATCH_MAX_REQUESTS", DEFAULT_BATCH_MAX_REQUESTS));
  }
}
