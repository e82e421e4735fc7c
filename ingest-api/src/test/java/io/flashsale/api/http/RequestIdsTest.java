package io.flashsale.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RequestIdsTest {

  @Test
  void sameSaleUserAndKeyAlwaysGiveTheSameId() {
    String first = RequestIds.requestId("sale-1", "user-1", "click-42");

    assertThat(RequestIds.requestId("sale-1", "user-1", "click-42")).isEqualTo(first);
    assertThat(UUID.fromString(first).toString()).isEqualTo(first);
  }

  @Test
  void anyDifferenceGivesAnotherId() {
    String id = RequestIds.requestId("sale-1", "user-1", "click-42");

    assertThat(RequestIds.requestId("sale-2", "user-1", "click-42")).isNotEqualTo(id);
    assertThat(RequestIds.requestId("sale-1", "user-2", "click-42")).isNotEqualTo(id);
    assertThat(RequestIds.requestId("sale-1", "user-1", "click-43")).isNotEqualTo(id);
    // Moving characters between the parts must not collide either.
    assertThat(RequestIds.requestId("sale-1", "user-1c", "lick-42")).isNotEqualTo(id);
  }

  @Test
  void withoutKeyEveryRequestGetsItsOwnId() {
    assertThat(RequestIds.requestId("sale-1", "user-1", null))
        .isNotEqualTo(RequestIds.requestId("sale-1", "user-1", null));
  }

  @Test
  void absentKeyIsNoKey() {
    assertThat(RequestIds.idempotencyKey(null)).isNull();
  }

  @Test
  void keysAreAtMost64Characters() {
    assertThat(RequestIds.idempotencyKey("k".repeat(64))).hasSize(64);
    assertThatThrownBy(() -> RequestIds.idempotencyKey("k".repeat(65))).isInstanceOf(Problem.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"a", "order 17/retry", "~!@#$%^&*()_+{}|:<>?"})
  void printableAsciiUpTo64IsAKey(String key) {
    assertThat(RequestIds.idempotencyKey(key)).isEqualTo(key);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "tab\there", "new\nline", "caf\u00e9", "\u0000"})
  void anythingElseIsRejected(String key) {
    assertThatThrownBy(() -> RequestIds.idempotencyKey(key))
        .isInstanceOfSatisfying(Problem.class, p -> assertThat(p.code).isEqualTo(ErrorCode.VALIDATION));
  }
}
