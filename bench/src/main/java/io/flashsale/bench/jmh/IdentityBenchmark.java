package io.flashsale.bench.jmh;

import io.flashsale.api.ApiConfig;
import io.flashsale.api.access.AccessSettings;
import io.flashsale.api.access.Identity;
import io.flashsale.local.BuyerTokens;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.State;

/** The buyer's token on every click, checked in full each time or remembered once verified (the API's default). */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@State(Scope.Thread)
public class IdentityBenchmark {
  private static final int BUYERS = 2_000;
  private final List<String> headers = IntStream.range(0, BUYERS)
      .mapToObj(i -> "Bearer " + BuyerTokens.mint(ApiConfig.LOCAL_JWT_SECRET, "jmh-buyer-" + i, "jmh-device-" + i,
          Duration.ofHours(1)))
      .toList();
  private final Identity verifyingEach = new Identity(ApiConfig.LOCAL_JWT_SECRET, ApiConfig.LOCAL_ADMIN_TOKEN, 0,
      Clock.systemUTC());
  private final Identity remembering = new Identity(ApiConfig.LOCAL_JWT_SECRET, ApiConfig.LOCAL_ADMIN_TOKEN,
      AccessSettings.DEFAULT_VERIFIED_TOKEN_CACHE_SIZE, Clock.systemUTC());
  private int next;

  @Benchmark
  public Identity.Buyer verifyEveryToken() {
    return verifyingEach.buyer(headers.get(next++ % BUYERS));
  }

  @Benchmark
  public Identity.Buyer rememberVerifiedTokens() {
    return remembering.buyer(headers.get(next++ % BUYERS));
  }
}
