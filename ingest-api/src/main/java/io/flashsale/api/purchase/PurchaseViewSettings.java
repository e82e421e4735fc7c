package io.flashsale.api.purchase;

import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.time.Duration;

/**
 * How much the purchase view remembers.
 *
 * @param retention FLASHSALE_VIEW_RETENTION_HOURS, default 2: how long the purchase view remembers a finished
 *     purchase, and how far back (or the longest hold, if longer) a starting view reads outcomes; a live purchase
 *     (pending or held) is remembered until it ends, whatever this says
 * @param maxFinished FLASHSALE_VIEW_MAX_FINISHED, default 500000: most finished purchases the view remembers, the
 *     oldest forgotten first (about 300 bytes of heap each)
 */
public record PurchaseViewSettings(Duration retention, long maxFinished) {

  public PurchaseViewSettings {
    if (maxFinished < 1) {
      throw new SettingException("FLASHSALE_VIEW_MAX_FINISHED", "must be at least 1, was " + maxFinished);
    }
  }

  public static PurchaseViewSettings fromEnv(Settings env) {
    return new PurchaseViewSettings(env.hours("FLASHSALE_VIEW_RETENTION_HOURS", Duration.ofHours(2)),
        env.longValue("FLASHSALE_VIEW_MAX_FINISHED", 500_000));
  }
}
