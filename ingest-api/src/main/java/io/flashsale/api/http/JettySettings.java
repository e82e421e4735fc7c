package io.flashsale.api.http;

import io.javalin.config.JavalinConfig;
import java.util.EnumSet;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The HTTP server's settings, with the figures that chose them. */
public final class JettySettings {
  private JettySettings() {}

  /** Applied to the API's server, and to the benchmark's bare server for the HTTP ceiling so that both match. */
  public static void tune(JavalinConfig cfg) {
    cfg.jetty.threadPool = httpThreads();
    cfg.http.responseBufferSize = RESPONSE_COPY_BYTES;
    // Jetty caches header fields per connection; a value new to the cache is added, and a full cache is
    // cleared. Behind a proxy that pools connections for many buyers the Authorization header differs on
    // every request, so the cache was refilled and cleared over and over (29 % of the sold-out edge's CPU in
    // one profile) while it saves little for the few other headers. Off. One selector (Jetty's default for 2
    // cores) is enough: parsing, not waiting for sockets, is the work.
    cfg.jetty.modifyHttpConfiguration(http -> {
      http.setHeaderCacheSize(0);
      http.setUriCompliance(PATHS);
    });
  }

  /**
   * The buffer through which Javalin copies each answer into Jetty's output stream, allocated anew for every answer.
   * Javalin's default is Jetty's output buffer size, 32 KiB, for answers of a few hundred bytes: 42 % of everything
   * the local stack allocated at 3,000 clicks/s (JFR, about 200 MB/s, each click a 202 and a long-poll answer). A
   * larger answer (a page) is copied in several steps into the same 32 KiB output buffer of Jetty: the same bytes on
   * the wire.
   */
  static final int RESPONSE_COPY_BYTES = 4096;

  /**
   * The URIs Jetty passes on to the routes: all but two kinds of flaw, as Jetty 11's "RFC3986" mode did (it allowed
   * every violation it knew). The routes match the raw path and a path parameter is only ever looked up, so an
   * encoded '/' or '..', a control or non-UTF-8 escape, or a stray backslash stays inside its segment and the answer is
   * the API's own (404, no such sale), never another route. Jetty 12's "RFC3986" refuses them all with 400, and
   * Javalin 7's default (LEGACY) takes a different set again: either would change answers that this upgrade keeps.
   * Refused: bad percent escapes ({@code %zz}: Jetty 11's parser refused them too) and UTF-16 escapes ({@code
   * %u0041}: Jetty 11 let them through to a decoder that threw, a 500; now the 400 they are).
   */
  static final UriCompliance PATHS = UriCompliance.from(EnumSet.complementOf(EnumSet.of(
      UriCompliance.Violation.BAD_PERCENT_ENCODING, UriCompliance.Violation.UTF16_ENCODINGS)));

  /**
   * Threads that run handlers: 3 per core, at least 6. Every handler is short and CPU-bound: a long poll waits without
   * a thread, and what waits on the payment provider or the broker's admin runs on a pool of its own. Jetty 12 hands
   * most answers from the thread that read them to another when jobs queue, so more threads only take turns: the
   * bare sold-out server on 2 cores gave 43-47k answers/s with 6 threads against 28-31k with 16 (old and new taking
   * turns on a quiet machine, wrk with 64 connections); Jetty's default of 250 adds switching and memory.
   */
  private static QueuedThreadPool httpThreads() {
    int threads = Math.max(6, 3 * Runtime.getRuntime().availableProcessors());
    QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(8, threads));
    pool.setName("flashsale-http");
    return pool;
  }
}
