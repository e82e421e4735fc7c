package io.flashsale.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JsonBodiesTest {
  record Order(Integer quantity, String note) {}

  private final JsonBodies bodies = new JsonBodies(64);

  @Test
  void readsAWellFormedBody() {
    assertThat(read("application/json; charset=utf-8", "{\"quantity\": 2, \"note\": \"gift\"}"))
        .isEqualTo(new Order(2, "gift"));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "{\"quantity\": \"1\"}", "{\"quantity\": 1.5}", "{\"quantity\": true}", "{\"note\": 5}",
      "{\"quantity\": 1, \"extra\": 1}", "{\"quantity\": 1", "[1]", "null", "", "{\"quantity\": 1} {}",
      "{\"quantity\": 99999999999}", "{\"quantity\": 1, \"quantity\": 2}", "{\"quantity\": 1, \"quantity\": 1}",
      "{\"note\": \"a\", \"quantity\": 1, \"note\": \"a\"}", "{\"note\": [[[[1]]]]}", "{\"note\": {\"a\": {\"b\": {}}}}",
      "{\"quantity\": \"\"}", "{\"quantity\": \" \"}"})
  void strictAboutShapeAndTypes(String json) {
    assertProblem(() -> read("application/json", json), ErrorCode.VALIDATION);
  }

  @Test
  void aBodyIsReadToItsDeclaredLength() {
    byte[] json = "{\"quantity\": 2, \"note\": \"gift\"}".getBytes(StandardCharsets.UTF_8);
    assertThat(bodies.read("application/json", json.length, new ByteArrayInputStream(json), Order.class))
        .isEqualTo(new Order(2, "gift"));
    byte[] atTheBound = ("{\"note\": \"" + "x".repeat(64 - 12) + "\"}").getBytes(StandardCharsets.UTF_8);
    assertThat(atTheBound).hasSize(64);
    assertThat(bodies.read("application/json", 64, new ByteArrayInputStream(atTheBound), Order.class).note())
        .hasSize(52);
  }

  @Test
  void onlyJsonIsAccepted() {
    assertProblem(() -> read("text/plain", "{\"quantity\": 1}"), ErrorCode.UNSUPPORTED_MEDIA_TYPE);
    assertProblem(() -> read(null, "{\"quantity\": 1}"), ErrorCode.UNSUPPORTED_MEDIA_TYPE);
  }

  @Test
  void bodiesAreBoundedWithOrWithoutContentLength() {
    String big = "{\"note\": \"" + "x".repeat(100) + "\"}";
    assertProblem(() -> read("application/json", big), ErrorCode.PAYLOAD_TOO_LARGE);
    assertProblem(() -> bodies.read("application/json", 1_000_000, new ByteArrayInputStream(new byte[0]), Order.class),
        ErrorCode.PAYLOAD_TOO_LARGE);
  }

  private Order read(String contentType, String json) {
    byte[] bytes = json.getBytes(StandardCharsets.UTF_8);
    return bodies.read(contentType, -1, new ByteArrayInputStream(bytes), Order.class);
  }

  private static void assertProblem(org.assertj.core.api.ThrowableAssert.ThrowingCallable call, ErrorCode code) {
    assertThatThrownBy(call).isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(code));
  }
}
