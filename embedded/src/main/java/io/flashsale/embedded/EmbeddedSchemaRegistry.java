package io.flashsale.embedded;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import io.flashsale.schemas.serde.MockSchemaRegistry;
import io.flashsale.schemas.serde.SchemaRegistry.IncompatibleSchemaException;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.avro.Schema;
import org.apache.avro.SchemaParseException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An in-memory schema registry that speaks the part of the Confluent Schema Registry REST API the serdes
 * use, so that several JVMs (the local stack and the child processes of tests) share schema ids.
 * Compatibility is decided by {@link MockSchemaRegistry} (BACKWARD, with Avro's own checks).
 *
 * <p>With a data directory every new registration is appended to {@value #LOG_FILE} and replayed on
 * start: records already in Kafka carry schema ids, so the ids must survive a restart.
 *
 * <p>With {@link Access} it asks for credentials as a production registry does (HTTP basic, or a bearer token),
 * answering 401 to a request without the right ones, and serves https with a given certificate.
 */
public final class EmbeddedSchemaRegistry implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EmbeddedSchemaRegistry.class);
  private static final String HOST = "127.0.0.1";
  private static final String LOG_FILE = "registrations.jsonl";
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int HANDLER_THREADS = 4;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockSchemaRegistry schemas = MockSchemaRegistry.create();
  /** Registered schema ids per subject in version order (version n is element n-1). */
  private final Map<String, List<Integer>> versionsBySubject = new LinkedHashMap<>();
  private final Path registrationLog;
  private final ExecutorService handlers = Executors.newFixedThreadPool(HANDLER_THREADS, r -> {
    Thread thread = new Thread(r, "schema-registry");
    thread.setDaemon(true);
    return thread;
  });
  private final Access access;
  private HttpServer server;

  /**
   * What the registry asks of its clients.
   *
   * @param userInfo {@code user:password} accepted by HTTP basic authentication, or null
   * @param bearerToken a token accepted as {@code Authorization: Bearer}, or null
   * @param tls the certificate to serve https with, or null for http
   */
  public record Access(String userInfo, String bearerToken, SelfSignedTls tls) {
    public static final Access OPEN = new Access(null, null, null);

    boolean authenticates() {
      return userInfo != null || bearerToken != null;
    }

    /** True if the Authorization header carries one of the accepted credentials. */
    boolean admits(String authorization) {
      if (!authenticates()) {
        return true;
      }
      if (authorization == null) {
        return false;
      }
      byte[] given = authorization.getBytes(StandardCharsets.UTF_8);
      return userInfo != null && MessageDigest.isEqual(given, ("Basic " + Base64.getEncoder().encodeToString(
              userInfo.getBytes(StandardCharsets.UTF_8))).getBytes(StandardCharsets.UTF_8))
          || bearerToken != null && MessageDigest.isEqual(given, ("Bearer " + bearerToken).getBytes(StandardCharsets.UTF_8));
    }
  }

  private EmbeddedSchemaRegistry(Path registrationLog, Access access) {
    this.registrationLog = registrationLog;
    this.access = access;
  }

  /**
   * Starts the registry on 127.0.0.1.
   *
   * @param dataDir where registrations are kept across restarts, or null to keep them in memory only
   * @param port the port to listen on, 0 for a free one
   */
  public static EmbeddedSchemaRegistry start(Path dataDir, int port) {
    return start(dataDir, port, Access.OPEN);
  }

  /** The same, asking its clients for what {@code access} says. */
  public static EmbeddedSchemaRegistry start(Path dataDir, int port, Access access) {
    try {
      Path registrationLog = dataDir == null ? null : Files.createDirectories(dataDir).resolve(LOG_FILE);
      EmbeddedSchemaRegistry registry = new EmbeddedSchemaRegistry(registrationLog, access);
      registry.replay();
      registry.listen(port);
      return registry;
    } catch (IOException e) {
      throw new UncheckedIOException("Could not start the schema registry", e);
    }
  }

  public String url() {
    return (access.tls() == null ? "http" : "https") + "://" + HOST + ":" + server.getAddress().getPort();
  }

  @Override
  public synchronized void close() {
    if (handlers.isShutdown()) {
      return;
    }
    server.stop(0);
    handlers.shutdownNow();
  }

  private void listen(int port) throws IOException {
    if (access.tls() == null) {
      server = HttpServer.create(new InetSocketAddress(HOST, port), 0);
    } else {
      HttpsServer https = HttpsServer.create(new InetSocketAddress(HOST, port), 0);
      https.setHttpsConfigurator(new HttpsConfigurator(access.tls().serverContext()));
      server = https;
    }
    server.createContext("/", this::handle);
    server.setExecutor(handlers);
    server.start();
    log.info("Schema registry listening at {}", url());
  }

  private void replay() throws IOException {
    if (registrationLog == null || !Files.exists(registrationLog)) {
      return;
    }
    for (String line : Files.readAllLines(registrationLog, StandardCharsets.UTF_8)) {
      if (!line.isBlank()) {
        JsonNode registration = JSON.readTree(line);
        record(registration.get("subject").asText(), new Schema.Parser().parse(registration.get("schema").asText()));
      }
    }
  }

  /** Registers the schema and answers its id; a subject's new version is also appended to the log. */
  private synchronized int register(String subject, Schema schema) throws IOException {
    int versionsBefore = versionsBySubject.getOrDefault(subject, List.of()).size();
    int id = record(subject, schema);
    if (registrationLog != null && versionsBySubject.get(subject).size() > versionsBefore) {
      String line = JSON.writeValueAsString(Map.of("subject", subject, "schema", schema.toString()));
      try (BufferedWriter out = Files.newBufferedWriter(registrationLog, StandardCharsets.UTF_8,
          StandardOpenOption.CREATE, StandardOpenOption.APPEND)) {
        out.write(line);
        out.newLine();
      }
    }
    return id;
  }

  /** Registers in memory only: the compatibility check and the id come from the mock registry. */
  private synchronized int record(String subject, Schema schema) {
    int id = schemas.register(subject, schema);
    List<Integer> ids = versionsBySubject.computeIfAbsent(subject, s -> new ArrayList<>());
    if (!ids.contains(id)) {
      ids.add(id);
    }
    return id;
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String method = exchange.getRequestMethod();
      String[] path = exchange.getRequestURI().getPath().replaceAll("^/+|/+$", "").split("/");
      try {
        if (!access.admits(exchange.getRequestHeaders().getFirst("Authorization"))) {
          exchange.getResponseHeaders().set("WWW-Authenticate", "Basic realm=\"flashsale-schema-registry\"");
          respond(exchange, 401, error(401, "Unauthorized"));
        } else if (method.equals("POST") && path.length == 3 && path[0].equals("subjects") && path[2].equals("versions")) {
          JsonNode body = JSON.readTree(exchange.getRequestBody());
          Schema schema = new Schema.Parser().parse(body.path("schema").asText());
          respond(exchange, 200, Map.of("id", register(path[1], schema)));
        } else if (method.equals("GET") && path.length == 3 && path[0].equals("schemas") && path[1].equals("ids")) {
          respond(exchange, 200, Map.of("schema", schemas.schemaById(Integer.parseInt(path[2])).toString()));
        } else if (method.equals("GET") && path.length == 4 && path[0].equals("subjects") && path[2].equals("versions")
            && path[3].equals("latest")) {
          Integer latest = latestId(path[1]);
          if (latest == null) {
            respond(exchange, 404, error(40401, "Subject '" + path[1] + "' not found."));
          } else {
            respond(exchange, 200, Map.of("subject", path[1], "version", versions(path[1]).size(), "id", latest,
                "schema", schemas.schemaById(latest).toString()));
          }
        } else if (method.equals("GET") && path.length == 1 && path[0].equals("subjects")) {
          respond(exchange, 200, subjects());
        } else if (method.equals("GET") && path.length == 3 && path[0].equals("subjects") && path[2].equals("versions")) {
          List<Integer> versions = versions(path[1]);
          if (versions.isEmpty()) {
            respond(exchange, 404, error(40401, "Subject '" + path[1] + "' not found."));
          } else {
            respond(exchange, 200, versions);
          }
        } else {
          respond(exchange, 404, error(404, "Not found: " + method + " " + exchange.getRequestURI()));
        }
      } catch (IncompatibleSchemaException e) {
        respond(exchange, 409, error(409, e.getMessage()));
      } catch (SchemaParseException | JsonProcessingException e) {
        respond(exchange, 422, error(42201, "Invalid schema: " + e.getMessage()));
      } catch (IllegalArgumentException e) { // unknown id, or an id that is not a number
        respond(exchange, 404, error(40403, "Schema not found: " + e.getMessage()));
      } catch (RuntimeException e) {
        log.warn("Schema registry request {} {} failed", method, exchange.getRequestURI(), e);
        respond(exchange, 500, error(50001, String.valueOf(e.getMessage())));
      }
    }
  }

  /** The id of the subject's latest version, null if it has none. */
  private synchronized Integer latestId(String subject) {
    List<Integer> ids = versionsBySubject.getOrDefault(subject, List.of());
    return ids.isEmpty() ? null : ids.get(ids.size() - 1);
  }

  private synchronized List<String> subjects() {
    return List.copyOf(versionsBySubject.keySet());
  }

  /** Version numbers 1..n of the subject, empty if it has none. */
  private synchronized List<Integer> versions(String subject) {
    int count = versionsBySubject.getOrDefault(subject, List.of()).size();
    List<Integer> versions = new ArrayList<>(count);
    for (int version = 1; version <= count; version++) {
      versions.add(version);
    }
    return versions;
  }

  private static Map<String, Object> error(int code, String message) {
    return Map.of("error_code", code, "message", message);
  }

  private static void respond(HttpExchange exchange, int status, Object body) throws IOException {
    byte[] bytes = JSON.writeValueAsBytes(body);
    exchange.getResponseHeaders().set("Content-Type", CONTENT_TYPE);
    exchange.sendResponseHeaders(status, bytes.length);
    exchange.getResponseBody().write(bytes);
  }
}
