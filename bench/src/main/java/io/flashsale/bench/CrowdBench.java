package io.flashsale.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.local.LocalStack;
import io.flashsale.local.LocalStackConfig;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.utils.Utils;

/**
 * Seed 003's crowd: {@code crowdStreams} buyers (100,000; quick 10,000) watching one sale on one API instance through
 * {@code /api/sales/{id}/events}, and the time one stock change takes to reach all of them. The watchers are a
 * process of their own ({@link CrowdWatchers}, one selector thread), so the stack's JVM holds only the server's side
 * of each stream; its memory (heap after a full collection, direct buffers, resident set) and threads are read before
 * the streams open and after, and divided by the streams.
 *
 * <p>Each stream is a connection on both sides, so both processes need a descriptor per stream: {@code ./flashsale}
 * raises the limit where it may (root), the JVM takes its hard limit, and the crowd is cut to what the limit allows,
 * with a note. The API's bounds on event streams ({@code FLASHSALE_EVENT_STREAMS_MAX}, {@code _PER_ADDRESS}) are
 * opened for the run: they guard an instance against one client, and here one client is the crowd.
 */
final class CrowdBench {
  /** Descriptors the stack needs besides the streams: the broker's segments, RocksDB's files, the sink's pool. */
  static final int STACK_DESCRIPTORS = 8_000;
  /** Loopback source addresses of the watchers: each has about 28,000 ephemeral ports. */
  static final int SOURCE_ADDRESSES = 8;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final BenchConfig config;
  private final BenchResults results;

  CrowdBench(BenchConfig config, BenchResults results) {
    this.config = config;
    this.results = results;
  }

  void run() throws Exception {
    long limit = openFilesLimit();
    int streams = (int) Math.min(config.crowdStreams(), Math.max(100, limit - STACK_DESCRIPTORS));
    if (streams < config.crowdStreams()) {
      results.note("crowd: " + streams + " streams, not " + config.crowdStreams() + ": the open-files limit is " + limit
          + " (./flashsale raises it as root; ulimit -n otherwise)");
    }
    System.out.printf("%nCrowd: %,d event streams on one API instance (open-files limit %,d)%n", streams, limit);
    Path dataDir = Files.createTempDirectory("flashsale-bench-crowd-stack");
    Map<String, String> env = new HashMap<>(System.getenv());
    env.put("FLASHSALE_HTTP_PORT", "0");
    env.put("FLASHSALE_SIMULATOR_PORT", "0");
    env.put("FLASHSALE_EVENT_STREAMS_MAX", Integer.toString(streams + 1_000));
    env.put("FLASHSALE_EVENT_STREAMS_PER_ADDRESS", Integer.toString(streams));
    try (LocalStack stack = LocalStack.start(new LocalStackConfig(dataDir, 0), env)) {
      BuyerClient client = new BuyerClient(stack.apiUrl());
      FlashBench.awaitReady(stack, client);
      String saleId = FlashBench.sale(client, "crowd", "SKU-CROWD", 1_000);
      Footprint before = Footprint.now();
      URI events = URI.create(stack.apiUrl() + "/api/sales/" + saleId + "/events");
      List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
          "-Xmx512m", "-cp", System.getProperty("java.class.path"), CrowdWatchers.class.getName(), events.toString(),
          Integer.toString(streams), Integer.toString(SOURCE_ADDRESSES)));
      Process child = new ProcessBuilder(command).redirectErrorStream(true).start();
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8));
          Writer in = new java.io.OutputStreamWriter(child.getOutputStream(), StandardCharsets.UTF_8)) {
        long openStarted = System.nanoTime();
        String open = await(out, CrowdWatchers.OPEN);
        double openSeconds = (System.nanoTime() - openStarted) / 1e9;
        String[] counts = open.split(" ");
        int opened = Integer.parseInt(counts[1]);
        Footprint after = Footprint.now();
        System.out.printf("  %,d streams open in %.1f s (%s failed); the stack's JVM: heap +%,d KiB, direct +%,d KiB, "
                + "resident +%,d KiB, threads %d -> %d%n", opened, openSeconds, counts[2], (after.heap - before.heap) / 1024,
            (after.direct - before.direct) / 1024, (after.resident - before.resident) / 1024, before.threads, after.threads);

        long changeMicros = CrowdWatchers.nowMicros();
        HttpResponse<String> bought = client.purchase(BuyerClient.buyerTokens(1).get(0), saleId).join();
        if (bought.statusCode() != 202) {
          throw new IllegalStateException("The crowd's stock change was refused: " + bought.statusCode() + " " + bought.body());
        }
        in.write(CrowdWatchers.CHANGE + " " + changeMicros + "\n");
        in.flush();
        CrowdWatchers.Result seen = JSON.readValue(await(out, CrowdWatchers.RESULT).substring(CrowdWatchers.RESULT.length() + 1),
            CrowdWatchers.Result.class);
        report(streams, opened, openSeconds, before, after, seen);
      } finally {
        child.destroy();
      }
    } finally {
      Utils.delete(dataDir.toFile());
    }
  }

  private void report(int streams, int opened, double openSeconds, Footprint before, Footprint after,
      CrowdWatchers.Result seen) {
    Map<String, Object> d = results.details;
    d.put("crowd_streams_asked", streams);
    d.put("crowd_streams", opened);
    d.put("crowd_open_s", Math.round(openSeconds * 10) / 10.0);
    d.put("crowd_heap_bytes_per_stream", perStream(after.heap - before.heap, opened));
    d.put("crowd_direct_bytes_per_stream", perStream(after.direct - before.direct, opened));
    d.put("crowd_resident_bytes_per_stream", perStream(after.resident - before.resident, opened));
    d.put("crowd_threads_before", before.threads);
    d.put("crowd_threads_after", after.threads);
    d.put("crowd_reached", seen.reached());
    d.put("crowd_change_first_ms", seen.firstMicros() / 1000.0);
    d.put("crowd_change_p50_ms", seen.p50Micros() / 1000.0);
    d.put("crowd_change_p99_ms", seen.p99Micros() / 1000.0);
    d.put("crowd_change_all_ms", seen.maxMicros() / 1000.0);
    System.out.printf("  one stock change reached %,d of %,d streams: first %.0f ms, p50 %.0f ms, p99 %.0f ms, all %.0f ms "
        + "after the click%n", seen.reached(), opened, seen.firstMicros() / 1000.0, seen.p50Micros() / 1000.0,
        seen.p99Micros() / 1000.0, seen.maxMicros() / 1000.0);
    if (seen.reached() < opened) {
      results.note("crowd: the change reached " + seen.reached() + " of " + opened + " streams within a minute");
    }
  }

  private static Long perStream(long bytes, int streams) {
    return streams == 0 ? null : Math.round((double) bytes / streams);
  }

  /** Relays the watchers' progress until their line {@code word}, which it returns. */
  private static String await(BufferedReader out, String word) throws IOException {
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith(word + " ")) {
        return line;
      }
      System.out.println("  watchers: " + line);
    }
    throw new IOException("The watchers stopped before " + word);
  }

  /** The soft limit on open files of this process (and so of the watchers it starts). */
  static long openFilesLimit() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+")[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (IOException | RuntimeException e) {
      // not Linux
    }
    return 10_000;
  }

  /** This JVM's live heap (after a full collection), direct buffers, resident set and threads. */
  private record Footprint(long heap, long direct, long resident, int threads) {
    static Footprint now() throws IOException {
      System.gc();
      long heap = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
      long direct = ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class).stream()
          .filter(pool -> pool.getName().equals("direct")).mapToLong(BufferPoolMXBean::getMemoryUsed).sum();
      long resident = 0;
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          resident = Long.parseLong(line.replaceAll("\\D", "")) * 1024;
        }
      }
      return new Footprint(heap, direct, resident, ManagementFactory.getThreadMXBean().getThreadCount());
    }
  }
}
