package io.flashsale.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import io.javalin.Javalin;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The tuned server answers in full, whatever an answer's size against the buffer Javalin copies it through. */
class JettySettingsTest {
  @Test
  void answersLargerThanTheCopyBufferArriveWhole() throws Exception {
    String small = "{\"status\":\"ACCEPTED\"}";
    String large = "x".repeat(10 * JettySettings.RESPONSE_COPY_BYTES + 123);
    Javalin app = Javalin.create(cfg -> {
      JettySettings.tune(cfg);
      cfg.routes.get("/small", ctx -> ctx.result(small));
      cfg.routes.get("/large", ctx -> ctx.result(large));
    }).start(0);
    try {
      HttpClient client = HttpClient.newHttpClient();
      for (Map.Entry<String, String> route : Map.of("/small", small, "/large", large).entrySet()) {
        String path = route.getKey();
        String body = route.getValue();
        HttpResponse<String> answer = client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + app.port() + path)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.body()).isEqualTo(body);
      }
    } finally {
      app.stop();
    }
  }
}
