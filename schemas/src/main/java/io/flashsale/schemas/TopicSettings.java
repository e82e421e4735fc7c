package io.flashsale.schemas;

import io.flashsale.settings.SettingException;
import io.flashsale.settings.Settings;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;

/**
 * How the catalogue's topics are created, read the same way by every process that creates them (the API, the
 * topology and the sink), so that they agree and each refuses the same unsafe values.
 *
 * @param partitions FLASHSALE_PARTITIONS, default {@value #DEFAULT_PARTITIONS}: of every topic a process creates
 *     where missing (existing topics are left as they are)
 * @param replicationFactor FLASHSALE_REPLICATION_FACTOR, default 3 (1 in local mode); at least 3 outside local mode,
 *     and topics are created with min.insync.replicas = min(2, replication factor), see {@link TopicAdmin}
 * @param localMode FLASHSALE_LOCAL_MODE, default false: a single broker is allowed (and, in the API, the published
 *     local secrets are used)
 */
public record TopicSettings(int partitions, short replicationFactor, boolean localMode) {
  public static final String LOCAL_MODE = "FLASHSALE_LOCAL_MODE";
  public static final String PARTITIONS = "FLASHSALE_PARTITIONS";
  public static final String REPLICATION_FACTOR = "FLASHSALE_REPLICATION_FACTOR";
  public static final int DEFAULT_PARTITIONS = 8;

  public TopicSettings {
    if (partitions < 1) {
      throw new SettingException(PARTITIONS, "must be at least 1, was " + partitions);
    }
    TopicAdmin.requireReplicationFactor(replicationFactor, localMode); // the production check
  }

  public static TopicSettings fromEnv(Settings env) {
    boolean localMode = env.flag(LOCAL_MODE, false);
    return new TopicSettings(env.integer(PARTITIONS, DEFAULT_PARTITIONS),
        env.shortValue(REPLICATION_FACTOR, TopicAdmin.defaultReplicationFactor(localMode)), localMode);
  }

  public static TopicSettings fromEnv(Map<String, String> env) {
    return fromEnv(Settings.of(env));
  }

  /** Creates every topic of the catalogue where missing. */
  public void ensure(Admin admin, Topics topics) {
    TopicAdmin.ensureTopics(admin, topics, partitions, replicationFactor);
  }

  /** Creates {@code wanted} where missing: what a process that reads a few topics needs, and nothing it does not. */
  public void ensure(Admin admin, List<Topics.Topic<?, ?>> wanted) {
    TopicAdmin.ensureTopics(admin, wanted, partitions, replicationFactor);
  }
}
