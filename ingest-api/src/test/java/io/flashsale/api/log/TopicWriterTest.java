package io.flashsale.api.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.KafkaSettings;
import io.flashsale.schemas.Topics;
import io.flashsale.schemas.serde.SchemaRegistry;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TopicWriterTest {

  @Test
  void aBrokerThatCannotBeReachedIsUnavailableNotAnError() {
    Topics topics = Topics.using(SchemaRegistry.forUrl("mock://topic-writer-test"));
    // Nothing listens on port 1: the write must fail within the produce timeout, as a 503.
    try (TopicWriter writer = new TopicWriter(KafkaSettings.of("127.0.0.1:1", "mock://unused", "unused"), Duration.ofSeconds(2), Runnable::run)) {
      var written = writer.write(topics.deadLetters, new byte[] {1}, new byte[] {2});

      assertThat(written).failsWithin(Duration.ofSeconds(10))
          .withThrowableOfType(java.util.concurrent.ExecutionException.class)
          .havingCause().isInstanceOfSatisfying(Problem.class, p -> {
            assertThat(p.code).isEqualTo(ErrorCode.UNAVAILABLE);
            assertThat(p.headers).containsKey("Retry-After");
          });
    }
  }
}
