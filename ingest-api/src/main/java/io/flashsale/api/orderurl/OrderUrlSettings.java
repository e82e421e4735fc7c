package io.flashsale.api.orderurl;

import io.flashsale.api.access.AccessSettings;
import io.flashsale.settings.SecretRules;
import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.nio.charset.StandardCharsets;

/**
 * The key of the hidden order URLs ({@link OrderUrls}).
 *
 * @param secret FLASHSALE_ORDER_URL_SECRET (at least 32 bytes), optional: the key every API instance derives a hidden
 *     sale's purchase path from. Unset outside local mode, a key of its own is derived from the waiting room's secret
 *     (which only the API instances hold too), so that no deployment needs a new secret to run; set it to rotate the
 *     order URLs' key apart from the waiting room's. It must differ from the buyers' and admins' keys: whoever signs
 *     buyer tokens (the shop's sign-in) must not be able to compute a sale's path before its start
 * @param previousSecret FLASHSALE_ORDER_URL_PREVIOUS_SECRET, optional: the key being retired, whose paths are still
 *     taken (paths are revealed with the current one); remove it once every instance reveals the new one and the
 *     sales revealed under the old one have ended
 */
public record OrderUrlSettings(String secret, String previousSecret) {
  /** Published like the other local secrets: in local mode anyone may compute a hidden path early. */
  public static final String LOCAL_SECRET = "local-order-url-secret-change-me";
  static final String SECRET = "FLASHSALE_ORDER_URL_SECRET";
  static final String PREVIOUS_SECRET = "FLASHSALE_ORDER_URL_PREVIOUS_SECRET";

  public OrderUrlSettings {
    if (secret == null) {
      throw new SettingException(SECRET, "is required");
    }
  }

  /**
   * Reads the order URLs' key; outside local mode, without one of its own, derives it from the waiting room's
   * {@code roomSecret} and {@code roomPreviousSecret} (null: none).
   */
  public static OrderUrlSettings fromEnv(Settings env, boolean localMode, AccessSettings access, String roomSecret,
                                         String roomPreviousSecret) {
    if (localMode) {
      return new OrderUrlSettings(LOCAL_SECRET, null);
    }
    String secret = env.text(SECRET, null);
    String previous = env.text(PREVIOUS_SECRET, null);
    if (secret == null) {
      if (previous != null) {
        throw new SettingException(PREVIOUS_SECRET, "needs " + SECRET + " beside it");
      }
      return new OrderUrlSettings(OrderUrls.derivedKey(roomSecret),
          roomPreviousSecret == null ? null : OrderUrls.derivedKey(roomPreviousSecret));
    }
    requireOwn(SECRET, secret, access);
    requireOwn(PREVIOUS_SECRET, previous, access);
    return new OrderUrlSettings(secret, previous);
  }

  private static void requireOwn(String name, String secret, AccessSettings access) {
    if (secret == null) {
      return;
    }
    SecretRules.refusePlaceholder(name, secret);
    if (secret.equals(LOCAL_SECRET)) {
      throw new SettingException(name, "must not be the published local-mode value outside local mode");
    }
    if (secret.getBytes(StandardCharsets.UTF_8).length < AccessSettings.MIN_JWT_SECRET_BYTES) {
      throw new SettingException(name, "must be at least " + AccessSettings.MIN_JWT_SECRET_BYTES + " bytes");
    }
    if (access.holds(secret)) {
      throw new SettingException(name, "must differ from FLASHSALE_JWT_SECRET, FLASHSALE_ADMIN_JWT_SECRET and"
          + " FLASHSALE_ADMIN_TOKEN: whoever signs buyer or admin tokens could compute a sale's order URL early");
    }
  }

  @Override
  public String toString() { // keeps the keys out of logs
    return "OrderUrlSettings[previous=" + (previousSecret != null) + "]";
  }
}
