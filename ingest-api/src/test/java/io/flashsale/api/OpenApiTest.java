package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
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

  @Test
  void documentsExactlyTheErrorCodesOfTheCode() {
    List<String> documented = new ArrayList<>();
    openApi.path("components").path("schemas").path("Problem").path("properties").path("code").path("enum")
        .forEach(code -> documented.add(code.asText()));

    assertThat(documented).containsExactlyInAnyOrderElementsOf(
        Arrays.stream(ErrorCode.values()).map(Enum::name).toList());
  }
}
