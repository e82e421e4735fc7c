package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The OpenAPI document is the contract's copy in the project: it must describe exactly what the code serves. */
class OpenApiTest {
  private static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch", "head", "options");

  private static ApiFixture fixture;
  private static JsonNode openApi;

  @BeforeAll
  static void startApi() throws IOException {
    fixture = ApiFixture.start();
    try (InputStream in = IngestApi.class.getResourceAsStream("/openapi.yaml")) {
      openApi = new YAMLMapper().readTree(in);
    }
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
