package io.flashsale.api.http;

import io.javalin.config.JavalinConfig;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** The HTTP server's settings, with the figures that chose them. */
public final class JettySettings {
  private JettySettings() {}

  /** Applied to the API's server, and to the benchmark's bare server for the HTTP ceiling so that both match. */
  public static void tune(JavalinConfig cfg) {
    cfg.jetty.threadPool = httpThreads();
    // Jetty caches header fields per connection; a value new to the cache is added, and a full cache is
    // cleared. Behind a proxy that pools connections for many buyers the Authorization header differs on
    // every request, so the cache was refilled and cleared over and over (29 % of the sold-out edge's CPU in
    // one profile) while it saves little for the few other headers. Off. One selector (Jetty's default for 2
    // cores) is enough: parsing, not waiting for sockets, is the work.
    cfg.jetty.modifyHttpConfiguration(http -> http.setHeaderCacheSize(0));
  }

  /**
   * Threads that run handlers. Every handler is short and CPU-bound (a long-poll waits without a thread), so a
   * few per core keep the cores busy; Jetty's default of 250 only adds switching and memory when a surge queues.
   */
  private static QueuedThreadPool httpThreads() {
    int threads = Math.max(16, 8 * Runtime.getRuntime().availableProcessors());
    QueuedThreadPool pool = new QueuedThreadPool(threads, Math.min(8, threads));
    pool.setName("flashsale-http");
    return pool;
  }
}
