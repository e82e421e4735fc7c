package io.flashsale.api.http;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;

/** {@code /health/live} (the process answers) and {@code /health/ready} ({@link Readiness}: a purchase can be taken). */
public final class Health {
  private final Readiness readiness;

  public Health(Readiness readiness) {
    this.readiness = readiness;
  }

  public void live(Context ctx) {
    ctx.json(Map.of("status", "UP"));
  }

  /** 200 READY with every check, or 503 UNAVAILABLE naming the failed ones (Retry-After: 1). */
  public void ready(Context ctx) {
    Map<String, Boolean> checks = readiness.checks();
    List<String> failed = checks.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
    if (!failed.isEmpty()) {
      throw new Problem(ErrorCode.UNAVAILABLE, "Not ready: " + String.join(", ", failed),
          Map.of("Retry-After", "1"), Map.of("checks", checks));
    }
    ctx.json(Map.of("status", "READY", "checks", checks));
  }
}
