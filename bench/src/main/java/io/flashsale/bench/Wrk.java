package io.flashsale.bench;

import io.flashsale.embedded.DebianPackages;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Closed-loop HTTP load from wrk (Debian's package), a C load generator that costs the machine far less than
 * the server it measures: the JDK's HTTP client costs more CPU per request than the API does. A Lua script
 * sends the same POST with a buyer's token, either the same token on every request of a connection (one buyer
 * per connection) or a different buyer on every request (a proxy pooling connections for many buyers).
 */
final class Wrk {
  /** Who is behind a connection. */
  enum Identity {
    /** Each wrk thread's connections send that thread's buyer: the same Authorization header on every request. */
    PER_CONNECTION,
    /** Every request carries the next buyer's token: the header changes on every request of a connection. */
    PER_REQUEST
  }

  /** One run: answers per second, how many had another status than expected, latency, and the CPU it cost. */
  record Run(double requestsPerSecond, long requests, long unexpected, double p50Ms, double p99Ms, double p999Ms,
             double loadGeneratorCpuSeconds, double seconds) {}

  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([\\d.]+)");
  private static final Pattern TOTAL = Pattern.compile("(\\d+) requests in");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern P999 = Pattern.compile("p999_us (\\d+)");
  /** The last line of bash's {@code times}: user and system time of its children, e.g. "0m1.234s 0m0.567s". */
  private static final Pattern CPU = Pattern.compile("^(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s$", Pattern.MULTILINE);

  private final Path script;
  private final Path tokens;

  private Wrk(Path script, Path tokens) {
    this.script = script;
    this.tokens = tokens;
  }

  /** Installs wrk where missing and writes its script and the buyers' tokens, one per line. */
  static Wrk prepare(List<String> buyerTokens) throws IOException, InterruptedException {
    DebianPackages.ensure("wrk", "wrk");
    Path dir = Files.createTempDirectory("flashsale-wrk");
    Path tokens = Files.write(dir.resolve("tokens.txt"), buyerTokens, StandardCharsets.US_ASCII);
    Path script = dir.resolve("purchase.lua");
    try (var in = Wrk.class.getResourceAsStream("/wrk/purchase.lua")) {
      Files.copy(in, script);
    }
    return new Wrk(script, tokens);
  }

  /**
   * POSTs {@code {"quantity":1}} to {@code url} from {@code connections} connections for {@code duration} and
   * counts every answer whose status is not {@code expectedStatus}.
   */
  Run run(String url, int connections, int threads, Duration duration, Identity identity, int expectedStatus)
      throws IOException, InterruptedException {
    // bash's `times` reports the CPU its children (wrk) used; wrk itself prints rate, count and latency.
    // (Not piped: a pipeline would run `times` in a subshell, which has no children.)
    String command = String.format(Locale.ROOT, "wrk -t%d -c%d -d%ds --latency -s %s %s && times", threads,
        connections, duration.toSeconds(), script, url);
    ProcessBuilder builder = new ProcessBuilder("bash", "-c", command).redirectErrorStream(true);
    builder.environment().put("FLASHSALE_WRK_TOKENS", tokens.toString());
    builder.environment().put("FLASHSALE_WRK_IDENTITY", identity.name());
    long started = System.nanoTime();
    Process wrk = builder.start();
    String output = new String(wrk.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!wrk.waitFor(duration.toSeconds() + 60, TimeUnit.SECONDS) || wrk.exitValue() != 0) {
      throw new IllegalStateException("wrk failed:\n" + output);
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    long total = find(TOTAL, output);
    long non2xx = NON_2XX.matcher(output).find() ? find(NON_2XX, output) : 0;
    long unexpected = expectedStatus / 100 == 2 ? non2xx : total - non2xx;
    Matcher cpu = CPU.matcher(output);
    double cpuSeconds = Double.NaN;
    while (cpu.find()) { // the second of the two lines is the children's
      cpuSeconds = 60 * (Long.parseLong(cpu.group(1)) + Long.parseLong(cpu.group(3)))
          + Double.parseDouble(cpu.group(2)) + Double.parseDouble(cpu.group(4));
    }
    return new Run(Double.parseDouble(match(RATE, output)), total, unexpected, percentileMs(output, "50%"),
        percentileMs(output, "99%"), find(P999, output) / 1000.0, cpuSeconds, seconds);
  }

  private static long find(Pattern pattern, String output) {
    return Long.parseLong(match(pattern, output));
  }

  private static String match(Pattern pattern, String output) {
    Matcher m = pattern.matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("wrk printed no " + pattern + ":\n" + output);
    }
    return m.group(1);
  }

  /** A line of wrk's latency distribution, e.g. "     99%    3.21ms", in milliseconds. */
  private static double percentileMs(String output, String percentile) {
    Matcher m = Pattern.compile("^\\s+" + Pattern.quote(percentile) + "\\s+([\\d.]+)(us|ms|s)\\s*$", Pattern.MULTILINE)
        .matcher(output);
    if (!m.find()) {
      throw new IllegalStateException("wrk printed no " + percentile + " latency:\n" + output);
    }
    double value = Double.parseDouble(m.group(1));
    return switch (m.group(2)) {
      case "us" -> value / 1000;
      case "s" -> value * 1000;
      default -> value;
    };
  }
}
