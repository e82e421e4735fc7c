package io.flashsale.bench;

import io.flashsale.api.http.JettySettings;
import io.javalin.Javalin;

/**
 * The HTTP ceiling of this machine: a bare Javalin app with the API's own Jetty settings, in the same JVM,
 * answering the same POST with a fixed problem+json 409 of the sold-out answer's size, and doing nothing else.
 * Whatever the API achieves is set against what this achieves in the same run.
 */
final class HttpCeiling implements AutoCloseable {
  private static final byte[] ANSWER = ("{\"type\":\"urn:flashsale:problem:sold-out\",\"title\":\"Sold out\",\"status\":409,"
      + "\"detail\":\"Sale bench-sold-out is sold out\",\"code\":\"SOLD_OUT\","
      + "\"instance\":\"/api/sales/bench-sold-out/purchases\"}").getBytes(java.nio.charset.StandardCharsets.UTF_8);

  private final Javalin app;

  private HttpCeiling(Javalin app) {
    this.app = app;
  }

  static HttpCeiling start() {
    Javalin app = Javalin.create(cfg -> {
      cfg.startup.showJavalinBanner = false;
      JettySettings.tune(cfg);
      cfg.routes.post("/api/sales/{saleId}/purchases",
          ctx -> ctx.status(409).contentType("application/problem+json").result(ANSWER));
    });
    app.start("127.0.0.1", 0);
    return new HttpCeiling(app);
  }

  /** The sale whose purchases it answers (any other id is answered alike). */
  static final String SALE_ID = "bench-sold-out";

  String purchaseUrl() {
    return baseUrl() + "/api/sales/" + SALE_ID + "/purchases";
  }

  String baseUrl() {
    return "http://127.0.0.1:" + app.port();
  }

  @Override
  public void close() {
    app.stop();
  }
}
