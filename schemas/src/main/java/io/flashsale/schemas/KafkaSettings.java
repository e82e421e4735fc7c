package io.flashsale.schemas;

import io.flashsale.schemas.serde.RegistrySettings;
import io.flashsale.schemas.serde.SchemaRegistry;
import io.flashsale.settings.Settings;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.SaslConfigs;
import org.apache.kafka.common.config.SslConfigs;
import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.AuthorizationException;

/**
 * How every process reaches Kafka and the schema registry, read from the environment in one place. Every Kafka
 * client of every process (producers, consumers, admin clients, Kafka Streams) is configured from here.
 *
 * <ul>
 *   <li>{@code FLASHSALE_BOOTSTRAP_SERVERS} (default {@value #DEFAULT_BOOTSTRAP_SERVERS})
 *   <li>{@code FLASHSALE_APPLICATION_ID} (default {@value #DEFAULT_APPLICATION_ID}): the topology's application
 *       id, which the topology runs under and the API asks the broker about (readiness, where to start reading)
 *   <li>{@code FLASHSALE_SCHEMA_REGISTRY_*}: see {@link RegistrySettings}
 *   <li>{@code FLASHSALE_KAFKA_<SETTING>}: any client setting, for every client, the name in upper case with dots
 *       as underscores: {@code FLASHSALE_KAFKA_SECURITY_PROTOCOL=SASL_SSL},
 *       {@code FLASHSALE_KAFKA_SASL_JAAS_CONFIG=...}
 *   <li>{@code FLASHSALE_PRODUCER_*}, {@code FLASHSALE_CONSUMER_*}, {@code FLASHSALE_ADMIN_CLIENT_*}: the same for one
 *       kind of client only (in Kafka Streams too, as its {@code producer.}, {@code consumer.}, {@code admin.}
 *       settings), applied after the general ones; {@code FLASHSALE_STREAMS_*}: Kafka Streams settings, last
 * </ul>
 *
 * <p>These are applied after the process's own settings of a client, so they win. A name that is no setting of
 * that kind of client refuses to start, as a typo would otherwise be ignored with a warning in the log.
 *
 * @param clients the {@code FLASHSALE_KAFKA_*} settings by their Kafka names
 * @param producers the {@code FLASHSALE_PRODUCER_*} settings
 * @param consumers the {@code FLASHSALE_CONSUMER_*} settings
 * @param admins the {@code FLASHSALE_ADMIN_CLIENT_*} settings ({@code FLASHSALE_ADMIN_*} would meet the API's own)
 * @param streams the {@code FLASHSALE_STREAMS_*} settings, read only by a process that runs Kafka Streams
 */
public record KafkaSettings(
    String bootstrapServers,
    String applicationId,
    RegistrySettings registry,
    Map<String, String> clients,
    Map<String, String> producers,
    Map<String, String> consumers,
    Map<String, String> admins,
    Map<String, String> streams) {

  public static final String DEFAULT_BOOTSTRAP_SERVERS = "localhost:9092";
  public static final String DEFAULT_APPLICATION_ID = "flashsale-topology";
  public static final String CLIENT_PREFIX = "FLASHSALE_KAFKA_";
  public static final String PRODUCER_PREFIX = "FLASHSALE_PRODUCER_";
  public static final String CONSUMER_PREFIX = "FLASHSALE_CONSUMER_";
  public static final String ADMIN_PREFIX = "FLASHSALE_ADMIN_CLIENT_";
  public static final String STREAMS_PREFIX = "FLASHSALE_STREAMS_";
  /**
   * The longest wait for the broker at start. A refused login or TLS handshake fails at once; this bounds only a
   * broker that does not answer, the admin client's own default.
   */
  public static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(60);

  private static final Set<String> PRODUCER_NAMES = withSecurity(ProducerConfig.configNames());
  private static final Set<String> CONSUMER_NAMES = withSecurity(ConsumerConfig.configNames());
  private static final Set<String> ADMIN_NAMES = withSecurity(AdminClientConfig.configNames());
  private static final Set<String> CLIENT_NAMES = union(PRODUCER_NAMES, CONSUMER_NAMES, ADMIN_NAMES);
  /** Settings with a variable of their own: a second way to set them would only make one of them lose. */
  private static final Map<String, String> OWN_VARIABLES = Map.of(
      CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, "FLASHSALE_BOOTSTRAP_SERVERS",
      "application.id", "FLASHSALE_APPLICATION_ID");

  public KafkaSettings {
    if (bootstrapServers == null || bootstrapServers.isBlank()) {
      throw new IllegalArgumentException("FLASHSALE_BOOTSTRAP_SERVERS must name at least one broker");
    }
    if (applicationId == null || applicationId.isBlank()) {
      throw new IllegalArgumentException("FLASHSALE_APPLICATION_ID must not be empty");
    }
    clients = Map.copyOf(clients);
    producers = Map.copyOf(producers);
    consumers = Map.copyOf(consumers);
    admins = Map.copyOf(admins);
    streams = Map.copyOf(streams);
  }

  /** Plain connections to these addresses, nothing else set: what tests and local tools use. */
  public static KafkaSettings of(String bootstrapServers, String schemaRegistryUrl, String applicationId) {
    return new KafkaSettings(bootstrapServers, applicationId, RegistrySettings.of(schemaRegistryUrl), Map.of(), Map.of(),
        Map.of(), Map.of(), Map.of());
  }

  /** The settings of a process without Kafka Streams: {@code FLASHSALE_STREAMS_*} is not its business. */
  public static KafkaSettings fromEnv(Map<String, String> env) {
    return fromEnv(env, Set.of());
  }

  /**
   * The settings of a process that runs Kafka Streams, whose settings' names ({@code StreamsConfig.configDef()
   * .names()}: this module does not depend on Kafka Streams) check the {@code FLASHSALE_STREAMS_*} variables.
   */
  public static KafkaSettings fromEnv(Map<String, String> env, Set<String> streamsNames) {
    Settings named = Settings.of(env); // the named variables; the prefixed client settings are scanned below
    return new KafkaSettings(
        named.text("FLASHSALE_BOOTSTRAP_SERVERS", DEFAULT_BOOTSTRAP_SERVERS),
        named.text("FLASHSALE_APPLICATION_ID", DEFAULT_APPLICATION_ID),
        RegistrySettings.fromEnv(named),
        settings(env, CLIENT_PREFIX, "client", CLIENT_NAMES),
        settings(env, PRODUCER_PREFIX, "producer", PRODUCER_NAMES),
        settings(env, CONSUMER_PREFIX, "consumer", CONSUMER_NAMES),
        settings(env, ADMIN_PREFIX, "admin client", ADMIN_NAMES),
        streamsNames.isEmpty() ? Map.of()
            : settings(env, STREAMS_PREFIX, "Kafka Streams", union(CLIENT_NAMES, streamsNames)));
  }

  /**
   * The Kafka setting a variable names: the settings of that kind whose name in upper case with dots (and dashes)
   * as underscores is the variable's rest. Matched against the real names, not turned back by replacing
   * underscores, so that a setting with an underscore in its name would still be found.
   */
  static Map<String, String> settings(Map<String, String> env, String prefix, String kind, Set<String> names) {
    Map<String, String> byVariable = names.stream().collect(Collectors.toMap(KafkaSettings::variable,
        Function.identity(), (first, second) -> first));
    Map<String, String> settings = new TreeMap<>();
    env.forEach((variable, value) -> {
      if (!variable.startsWith(prefix)) {
        return;
      }
      String name = byVariable.get(variable.substring(prefix.length()));
      if (name == null) {
        throw new IllegalArgumentException(variable + " names no " + kind + " setting: the variable is " + prefix
            + " and the setting's name in upper case with dots as underscores (security.protocol is " + prefix
            + "SECURITY_PROTOCOL)");
      }
      if (OWN_VARIABLES.containsKey(name)) {
        throw new IllegalArgumentException(variable + " sets " + name + ", which " + OWN_VARIABLES.get(name)
            + " sets");
      }
      settings.put(name, value);
    });
    return settings;
  }

  /** The variable's rest for a setting: {@code sasl.jaas.config} is {@code SASL_JAAS_CONFIG}. */
  static String variable(String setting) {
    return setting.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
  }

  /** The registry of the serdes, its access checked now ({@link RegistrySettings#connect}). */
  public SchemaRegistry schemaRegistry() {
    return registry.connect();
  }

  /** The process's own producer settings {@code own}, then the general and the producer variables. */
  public Properties producerProperties(Map<?, ?> own) {
    return properties(own, producers);
  }

  /** The process's own consumer settings {@code own}, then the general and the consumer variables. */
  public Properties consumerProperties(Map<?, ?> own) {
    return properties(own, consumers);
  }

  /** An admin client's settings under this client id, then the general and the admin variables. */
  public Properties adminProperties(String clientId) {
    return properties(Map.of(AdminClientConfig.CLIENT_ID_CONFIG, clientId), admins);
  }

  /**
   * Kafka Streams' settings: the application id and the process's own {@code own}, then the general variables,
   * the producer, consumer and admin variables for those clients of Streams, then the Streams variables.
   */
  public Properties streamsProperties(Map<?, ?> own) {
    Properties props = new Properties();
    props.put("application.id", applicationId);
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.putAll(own);
    props.putAll(clients);
    // StreamsConfig.producerPrefix and its siblings, spelled out: this module does not depend on Kafka Streams.
    producers.forEach((name, value) -> props.put("producer." + name, value));
    consumers.forEach((name, value) -> props.put("consumer." + name, value));
    admins.forEach((name, value) -> props.put("admin." + name, value));
    props.putAll(streams);
    return props;
  }

  /**
   * An admin client that has reached the cluster. Refused credentials, a refused TLS handshake or a broker that
   * does not answer within {@link #CONNECT_TIMEOUT} fail here with a message that says so; clients would
   * otherwise retry in the background while the process looks started.
   */
  public Admin connectAdmin(String clientId) {
    Admin admin = Admin.create(adminProperties(clientId));
    try {
      checkConnection(admin);
      return admin;
    } catch (RuntimeException e) {
      admin.close(Duration.ZERO);
      throw e;
    }
  }

  /** Fails unless the cluster answers {@code admin}, as {@link #connectAdmin} describes. */
  public void checkConnection(Admin admin) {
    int timeoutMs = (int) CONNECT_TIMEOUT.toMillis();
    try {
      admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).nodes()
          .get(timeoutMs + 5_000L, TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw connectionError(e.getCause());
    } catch (TimeoutException e) {
      throw connectionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted while connecting to Kafka at " + bootstrapServers, e);
    }
  }

  private IllegalStateException connectionError(Throwable cause) {
    String security = "security.protocol=" + clients.getOrDefault(CommonClientConfigs.SECURITY_PROTOCOL_CONFIG,
        CommonClientConfigs.DEFAULT_SECURITY_PROTOCOL) + ", sasl.mechanism="
        + clients.getOrDefault(SaslConfigs.SASL_MECHANISM, SaslConfigs.DEFAULT_SASL_MECHANISM);
    if (cause instanceof AuthenticationException) {
      return new IllegalStateException("Kafka at " + bootstrapServers + ": authentication failed (" + security
          + "; check the FLASHSALE_KAFKA_* settings): " + cause.getMessage(), cause);
    }
    if (cause instanceof AuthorizationException) {
      return new IllegalStateException("Kafka at " + bootstrapServers + " refused this client (" + security + "): "
          + cause.getMessage(), cause);
    }
    return new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within " + CONNECT_TIMEOUT
        + " (" + security + "; a client speaking the wrong protocol to a listener waits like this too): " + cause,
        cause);
  }

  @Override
  public String toString() { // names only: values such as sasl.jaas.config hold secrets
    return "KafkaSettings[bootstrap=" + bootstrapServers + ", applicationId=" + applicationId + ", " + registry
        + ", clients=" + clients.keySet() + ", producers=" + producers.keySet() + ", consumers=" + consumers.keySet()
        + ", admins=" + admins.keySet() + ", streams=" + streams.keySet() + "]";
  }

  private Properties properties(Map<?, ?> own, Map<String, String> kind) {
    Properties props = new Properties();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
    props.putAll(own);
    props.putAll(clients);
    props.putAll(kind);
    return props;
  }

  /** A client's names with the SASL and TLS ones, which every client takes. */
  private static Set<String> withSecurity(Set<String> names) {
    ConfigDef security = new ConfigDef();
    SaslConfigs.addClientSaslSupport(security);
    SslConfigs.addClientSslSupport(security);
    return union(names, security.names());
  }

  @SafeVarargs
  private static Set<String> union(Set<String>... sets) {
    Set<String> all = new TreeSet<>();
    for (Set<String> set : sets) {
      all.addAll(set);
    }
    return Set.copyOf(all);
  }
}
