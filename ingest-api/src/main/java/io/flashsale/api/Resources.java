package io.flashsale.api;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** What a running API holds open, closed in reverse order of start: the views, the producer, pools, the server. */
final class Resources implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(IngestApi.class);
  private final List<AutoCloseable> resources = new ArrayList<>();

  void add(AutoCloseable resource) {
    resources.add(resource);
  }

  /** A pool of daemon threads named {@code prefix-n}, shut down (5 s for its tasks) when the API closes. */
  ExecutorService pool(String prefix, int threads) {
    ExecutorService pool = Executors.newFixedThreadPool(threads, daemonThreads(prefix));
    add(() -> shutdown(pool));
    return pool;
  }

  private static ThreadFactory daemonThreads(String prefix) {
    AtomicInteger count = new AtomicInteger();
    return runnable -> {
      Thread thread = new Thread(runnable, prefix + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    };
  }

  private static void shutdown(ExecutorService executor) throws InterruptedException {
    executor.shutdown();
    executor.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** Closes everything added, the last first; a failure to close one is logged and the others still close. */
  @Override
  public void close() {
    for (int i = resources.size() - 1; i >= 0; i--) {
      try {
        resources.get(i).close();
      } catch (Exception e) {
        log.warn("Error while closing", e);
      }
    }
    resources.clear();
  }
}
