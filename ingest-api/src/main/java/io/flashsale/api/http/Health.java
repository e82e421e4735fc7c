package io.flashsale.api.http;

import io.javalin.http.Context;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/** {@code /health/live} (the process answers) and {@code /health/ready} ({@link Readiness}: a purchase can be taken). */
public final class Health {
  private final Readiness readiness;
  private final Executor checkPool;

  /** {@code checks}: where the readiness checks run; they wait on the broker, for up to seconds when it is slow. */
  public Health(Readiness readiness, Executor checks) {
    this.readiness = readiness;
    this.checkPool = checks;
  }

  public void live(Context ctx) {
    ctx.json(Map.of("status", "UP"));
  }

  /** 200 READY with every check, or 503 UNAVAILABLE naming the failed ones (Retry-After: 1). */
  public void ready(Context ctx) {
    ctx.future(() -> CompletableFuture.supplyAsync(readiness::checks, checkPool).thenAccept(checks -> {
      List<String> failed = checks.entrySet().stream().filter(e -> !e.getValue()).map(Map.Entry::getKey).toList();
      if (!failed.isEmpty()) {
        throw new Problem(ErrorCode.UNAVAILABLE, "Not ready: " + String.join(", ", failed),
            Map.of("Retry-After", "1"), Map.of("checks", checks));
      }
      ctx.json(Map.of("status", "READY", "checks", checks));
    }));
  }
}
