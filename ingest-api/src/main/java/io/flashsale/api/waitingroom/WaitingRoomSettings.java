package io.flashsale.api.waitingroom;

import io.flashsale.api.access.AccessSettings;
import io.flashsale.settings.SecretRules;
import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.nio.charset.StandardCharsets;

/**
 * The waiting room's own keys and how hard its proof of work gets by itself.
 *
 * @param secret FLASHSALE_WAITING_ROOM_SECRET (at least 32 bytes), required outside local mode: signs the waiting
 *     room's queue tokens, purchase passes and challenges and keys the pre-queue's order; only the API instances hold
 *     it, and it must differ from the buyers' JWT secret, the admin JWT secret and the admin token
 * @param previousSecret FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET, optional: the secret being retired, still accepted for
 *     verification (passes last {@code passSeconds}, challenges two minutes); remove it once that long has passed
 *     since every instance signs with the new one
 * @param proofOfWorkRiseAbove FLASHSALE_POW_RISE_JOINS_PER_SECOND, default
 *     {@value #DEFAULT_POW_RISE_JOINS_PER_SECOND}: joins per second of a waiting room above which its proof of work
 *     gets harder by itself (a bit per doubling, see {@link ProofOfWork#effectiveBits}); an admin's
 *     {@code proofOfWorkRiseAbove} overrides it per sale; 0 is off
 */
public record WaitingRoomSettings(String secret, String previousSecret, int proofOfWorkRiseAbove) {
  /** Published like the others: a local pass can be forged by anyone, as a local buyer token. */
  public static final String LOCAL_SECRET = "local-waiting-room-secret-change-me";
  /**
   * Joins per second of one waiting room before its proof of work rises by itself: ten times what the local stack's
   * fairness run sees at its busiest (1,000 buyers joining within about 5 s), so that only a crowd of bots, or a
   * sale far larger than planned, meets it.
   */
  public static final int DEFAULT_POW_RISE_JOINS_PER_SECOND = 2_000;

  public WaitingRoomSettings {
    if (proofOfWorkRiseAbove < 0) {
      throw new SettingException("FLASHSALE_POW_RISE_JOINS_PER_SECOND", "must not be negative (0 is off)");
    }
  }

  public static WaitingRoomSettings fromEnv(Settings env, boolean localMode) {
    WaitingRoomSettings settings = new WaitingRoomSettings(
        localMode ? LOCAL_SECRET : env.text("FLASHSALE_WAITING_ROOM_SECRET", null),
        localMode ? null : env.text("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", null),
        env.integer("FLASHSALE_POW_RISE_JOINS_PER_SECOND", DEFAULT_POW_RISE_JOINS_PER_SECOND));
    if (!localMode) {
      SecretRules.requireReal("FLASHSALE_WAITING_ROOM_SECRET", settings.secret(), LOCAL_SECRET);
      SecretRules.refusePlaceholder("FLASHSALE_WAITING_ROOM_SECRET", settings.secret());
      SecretRules.refusePlaceholder("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", settings.previousSecret());
    }
    return settings;
  }

  /** The waiting room's secrets are its own: whoever holds another key must not be able to sign passes. */
  public void requireOwnSecrets(AccessSettings access) {
    requireOwn("FLASHSALE_WAITING_ROOM_SECRET", secret, access);
    requireOwn("FLASHSALE_WAITING_ROOM_PREVIOUS_SECRET", previousSecret, access);
  }

  private static void requireOwn(String name, String secret, AccessSettings access) {
    if (secret == null) {
      return;
    }
    if (secret.getBytes(StandardCharsets.UTF_8).length < AccessSettings.MIN_JWT_SECRET_BYTES) {
      throw new SettingException(name, "must be at least " + AccessSettings.MIN_JWT_SECRET_BYTES + " bytes");
    }
    if (access.holds(secret)) {
      throw new SettingException(name, "must differ from FLASHSALE_JWT_SECRET, FLASHSALE_ADMIN_JWT_SECRET and"
          + " FLASHSALE_ADMIN_TOKEN: whoever signs buyer or admin tokens could forge waiting-room passes");
    }
  }
}
