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
import java.time.Duration;
import java.util.Map;
import org.apache.avro.Schema;

/** Client of the Confluent Schema Registry REST API (register a subject version, fetch a schema by id). */
final class RestSchemaRegistry implements SchemaRegistry {
  private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
  private static final int INCOMPATIBLE = 409;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final URI base;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  RestSchemaRegistry(URI base) {
    this.base = base.toString().endsWith("/") ? base : URI.create(base + "/");
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
  public Schema schemaById(int id) {
    JsonNode answer = send(HttpRequest.newBuilder(base.resolve("schemas/ids/" + id)).GET());
    return new Schema.Parser().parse(answer.get("schema").asText());
  }

  private JsonNode send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response = http.send(
          request.header("Accept", CONTENT_TYPE).timeout(Duration.ofSeconds(10)).build(),
          HttpResponse.BodyHandlers.ofString());
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

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
