package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flashsale.api.access.Access;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.payments.StripeWebhooks;
import io.flashsale.payments.WebhookSignature;
import io.swagger.parser.OpenAPIParser;
import io.swagger.v3.parser.core.models.ParseOptions;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI document is the contract's copy in the project: it must describe exactly what the code serves. */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  private static ApiFixture fixture;
  private static String text;
  private static JsonNode openApi;

  @BeforeAll
  static void startApi() throws IOException {
    fixture = ApiFixture.start();
    try (InputStream in = IngestApi.class.getResourceAsStream("/openapi.yaml")) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    openApi = new YAMLMapper().readTree(text);
  }

  /** The reference parser (swagger-parser) finds no error or warning in the document, $refs resolved. */
  @Test
  void isAValidOpenApiDocument() {
    ParseOptions options = new ParseOptions();
    options.setResolve(true);
    options.setValidateInternalRefs(true);
    SwaggerParseResult result = new OpenAPIParser().readContents(text, null, options);

    assertThat(result.getMessages()).as("swagger-parser's messages").isEmpty();
    assertThat(result.getOpenAPI()).isNotNull();
    assertThat(result.getOpenAPI().getPaths()).hasSize(openApi.path("paths").size());
  }

  /** The keywords of an OpenAPI 3.0 Schema Object; anything else in a property's schema is a mistake. */
  private static final Set<String> SCHEMA_KEYWORDS = Set.of("type", "format", "description", "enum", "default",
      "nullable", "items", "properties", "additionalProperties", "required", "minimum", "maximum", "minLength",
      "maxLength", "pattern", "minItems", "maxItems", "uniqueItems", "readOnly", "writeOnly", "example", "$ref",
      "allOf", "oneOf", "anyOf", "not", "title", "deprecated", "exclusiveMinimum", "exclusiveMaximum", "multipleOf");

  /**
   * Every property of every schema is a schema of OpenAPI's keywords, with a type or a $ref. A description in flow
   * style with an unquoted comma ({type: integer, description: a, b}) parses as a cut text "a" and a bogus key
   * "b" in the property's schema.
   */
  @Test
  void everyPropertyIsASchemaOfKnownKeywords() {
    Map<String, String> wrong = new TreeMap<>();
    collectProperties(openApi, "", wrong);

    assertThat(wrong).as("property schemas with unknown keys, or without a type or $ref").isEmpty();
  }

  private static void collectProperties(JsonNode node, String at, Map<String, String> wrong) {
    if (node.isObject()) {
      node.properties().forEach(field -> {
        if (field.getKey().equals("properties") && field.getValue().isObject()) {
          field.getValue().properties().forEach(property -> {
            JsonNode schema = property.getValue();
            String where = at + "/properties/" + property.getKey();
            if (!schema.isObject() || !(schema.has("type") || schema.has("$ref") || schema.has("allOf")
                || schema.has("oneOf") || schema.has("anyOf"))) {
              wrong.put(where, "no type or $ref: " + schema);
            } else {
              schema.fieldNames().forEachRemaining(key -> {
                if (!SCHEMA_KEYWORDS.contains(key) && !key.startsWith("x-")) {
                  wrong.put(where, "unknown key '" + key + "' (a description cut at a comma?)");
                }
              });
            }
          });
        }
        collectProperties(field.getValue(), at + "/" + field.getKey(), wrong);
      });
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        collectProperties(node.get(i), at + "/" + i, wrong);
      }
    }
  }

  /** Generated clients name their methods after operationId: each operation has one, unique. */
  @Test
  void everyOperationHasAUniqueOperationIdAndDeclaresItsSecurity() {
    List<String> ids = new ArrayList<>();
    List<String> withoutSecurity = new ArrayList<>();
    List<String> publicRoutes = new ArrayList<>();
    openApi.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
      if (!METHODS.contains(operation.getKey())) {
        return;
      }
      String route = operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
      ids.add(operation.getValue().path("operationId").asText(route + " has none"));
      JsonNode security = operation.getValue().get("security");
      if (security == null) {
        withoutSecurity.add(route);
      } else if (security.isEmpty()) {
        publicRoutes.add(route);
      }
    }));

    assertThat(ids).doesNotHaveDuplicates().allMatch(id -> id.matches("[a-z][A-Za-z]+"), "a camelCase operationId");
    assertThat(withoutSecurity).as("operations without security (public ones say security: [])").isEmpty();
    assertThat(publicRoutes).contains("GET /api/sales/{saleId}", "GET /health/ready", "GET /sales/{saleId}");
  }

  /** The webhook route takes either scheme of WebhookSchemes: the simulator's header or Stripe's. */
  @Test
  void documentsBothWebhookSignatureSchemes() {
    JsonNode schemes = openApi.path("components").path("securitySchemes");
    List<String> headers = new ArrayList<>();
    openApi.path("paths").path("/api/payments/webhook").path("post").path("security").forEach(requirement ->
        requirement.fieldNames().forEachRemaining(name -> headers.add(schemes.path(name).path("name").asText())));

    assertThat(headers).containsExactlyInAnyOrder(WebhookSignature.HEADER, StripeWebhooks.HEADER);
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void documentsExactlyTheRoutesServed() {
    List<String> documented = new ArrayList<>();
    openApi.path("paths").properties().forEach(path -> path.getValue().fieldNames().forEachRemaining(method -> {
      if (METHODS.contains(method)) {
        documented.add(method.toUpperCase(Locale.ROOT) + " " + path.getKey());
      }
    }));

    assertThat(fixture.api.routes()).isNotEmpty().containsExactlyInAnyOrderElementsOf(documented);
  }

  /** Each admin route names the role it needs (x-admin-role) and its 403, as the route table says. */
  @Test
  void documentsTheAdminRoleOfEveryAdminRoute() {
    Map<String, String> documented = new HashMap<>();
    List<String> withForbidden = new ArrayList<>();
    openApi.path("paths").properties().forEach(path -> path.getValue().properties().forEach(operation -> {
      String route = operation.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey();
      if (operation.getValue().has("x-admin-role")) {
        documented.put(route, operation.getValue().path("x-admin-role").asText());
      }
      if (operation.getValue().path("responses").has("403")) {
        withForbidden.add(route);
      }
    }));
    Map<String, String> served = new HashMap<>();
    fixture.api.routeRoles().forEach((route, roles) -> {
      if (roles.contains(Access.Role.ADMIN_OPERATE)) {
        served.put(route, "operator");
      } else if (roles.contains(Access.Role.ADMIN_VIEW)) {
        served.put(route, "viewer");
      }
    });

    assertThat(served).containsValues("viewer", "operator").isEqualTo(documented);
    assertThat(withForbidden).containsAll(served.keySet());
  }

  @Test
  void documentsExactlyTheErrorCodesOfTheCode() {
    List<String> documented = new ArrayList<>();
    openApi.path("components").path("schemas").path("Problem").path("properties").path("code").path("enum")
        .forEach(code -> documented.add(code.asText()));

    assertThat(documented).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
  }
}
