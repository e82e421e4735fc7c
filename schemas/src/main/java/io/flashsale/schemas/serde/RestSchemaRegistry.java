package io.flashsale.schemas.serde;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Client of the Confluent Schema Registry REST API (register a subject version, fetch a schema by id), with
 * basic or bearer authentication and https trusted by a given trust store or the JDK's.
 */
final class RestSchemaRegistry implements SchemaRegistry {
  private static final Logger log = LoggerFactory.getLogger(RestSchemaRegistry.class);
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int UNAUTHORIZED = 401;
  private static final int FORBIDDEN = 403;
  private static final int NOT_FOUND = 404;
  private static final int INCOMPATIBLE = 409;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final String authorization; // the Authorization header's value, or null
  private final HttpClient http;

  RestSchemaRegistry(URI base, RegistrySettings settings) {
    this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
    this.authorization = settings.userInfo() != null
        ? "Basic " + Base64.getEncoder().encodeToString(settings.userInfo().getBytes(StandardCharsets.UTF_8))
        : settings.bearerToken() != null ? "Bearer " + settings.bearerToken() : null;
    HttpClient.Builder http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
    if (settings.trustStore() != null) {
      http.sslContext(trusting(settings));
    }
    this.http = http.build();
  }

  /**
   * Asks for the subjects once. Refused credentials and a certificate that is not trusted are configuration
   * errors and fail here; a registry that does not answer (yet) is logged, as every use of it retries.
   */
  void checkAccess() {
    try {
      send(HttpRequest.newBuilder(base.resolve("subjects")).GET());
    } catch (Refused e) {
      throw new IllegalStateException(e.getMessage(), e);
    } catch (UnavailableException e) {
      for (Throwable cause = e.getCause(); cause != null; cause = cause.getCause()) {
        if (cause instanceof SSLException tls) {
          throw new IllegalStateException("Schema registry at " + base + " is not trusted over TLS (check "
              + "FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE): " + tls.getMessage(), e);
        }
      }
      log.warn("Schema registry at {} does not answer yet; the serdes retry: {}", base, e.getMessage());
    }
  }

  @Override
  public int register(String subject, Schema schema) {
    String body = write(Map.of("schema", schema.toString()));
    JsonNode answer = send(HttpRequest.newBuilder(base.resolve(
            "subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions"))
        .header("Content-Type", CONTENT_TYPE)
        .POST(HttpRequest.BodyPublishers.ofString(body)));
    return answer.get("id").asInt();
  }

  @Override
  public Registered latest(String subject) {
    JsonNode answer;
    try {
      answer = send(HttpRequest.newBuilder(base.resolve(
          "subjects/" + URLEncoder.encode(subject, StandardCharsets.UTF_8) + "/versions/latest")).GET());
    } catch (NotFound e) {
      throw new NotRegisteredException("Subject '" + subject + "' not found in the schema registry at " + base);
    }
    return new Registered(answer.get("id").asInt(), new Schema.Parser().parse(answer.get("schema").asText()));
  }

  @Override
  public Schema schemaById(int id) {
    JsonNode answer = send(HttpRequest.newBuilder(base.resolve("schemas/ids/" + id)).GET());
    return new Schema.Parser().parse(answer.get("schema").asText());
  }

  private JsonNode send(HttpRequest.Builder request) {
    try {
      request.header("Accept", CONTENT_TYPE).timeout(Duration.ofSeconds(10));
      if (authorization != null) {
        request.header("Authorization", authorization);
      }
      HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == UNAUTHORIZED || response.statusCode() == FORBIDDEN) {
        // Says nothing about the record either: whoever meets it waits instead of dead-lettering good records.
        throw new Refused("Schema registry at " + base + " answered " + response.statusCode()
            + (response.statusCode() == UNAUTHORIZED ? " Unauthorized" : " Forbidden") + " to "
            + (authorization == null ? "a request without credentials" : "the configured credentials")
            + " (FLASHSALE_SCHEMA_REGISTRY_USER_INFO or FLASHSALE_SCHEMA_REGISTRY_BEARER_TOKEN): " + response.body());
      }
      if (response.statusCode() == NOT_FOUND) {
        throw new NotFound(response.body());
      }
      if (response.statusCode() == INCOMPATIBLE) {
        throw new IncompatibleSchemaException(response.body());
      }
      if (response.statusCode() / 100 == 5) {
        throw new UnavailableException("Schema registry answered " + response.statusCode() + ": " + response.body(), null);
      }
      if (response.statusCode() / 100 != 2) {
        throw new IllegalStateException("Schema registry answered " + response.statusCode() + ": " + response.body());
      }
      return JSON.readTree(response.body());
    } catch (IOException e) {
      throw new UnavailableException("Schema registry at " + base + " unreachable", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("Interrupted talking to the schema registry", e);
    }
  }

  private static SSLContext trusting(RegistrySettings settings) {
    char[] password = settings.trustStorePassword() == null ? null : settings.trustStorePassword().toCharArray();
    try {
      KeyStore store = KeyStore.getInstance(settings.trustStore().toFile(), password); // PKCS12 or JKS, as found
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(store);
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(null, trust.getTrustManagers(), null);
      return context;
    } catch (IOException | GeneralSecurityException e) {
      throw new IllegalArgumentException("FLASHSALE_SCHEMA_REGISTRY_TRUSTSTORE " + settings.trustStore()
          + " cannot be loaded: " + e.getMessage(), e);
    }
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The registry has no such subject, version or schema (404). */
  static final class NotFound extends IllegalStateException {
    NotFound(String message) {
      super("Schema registry answered 404: " + message);
    }
  }

  /** The registry refused our credentials (401) or their rights (403). */
  static final class Refused extends UnavailableException {
    Refused(String message) {
      super(message, null);
    }
  }
}
