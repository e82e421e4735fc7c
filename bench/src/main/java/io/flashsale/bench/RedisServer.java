package io.flashsale.bench;

import io.flashsale.embedded.DebianPackages;
import java.io.IOException;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import redis.clients.jedis.Jedis;

/**
 * A redis-server of our own on a free port, without persistence (the baseline measures the script, not
 * the disk), stopped on close. Installed first through DebianPackages (embedded) where it is missing.
 */
final class RedisServer implements AutoCloseable {
  private static final String HOST = "127.0.0.1";
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(15);

  private final Process process;
  private final int port;

  private RedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  static RedisServer start() throws IOException, InterruptedException {
    DebianPackages.ensure("redis-server", "redis-server");
    int port;
    try (ServerSocket free = new ServerSocket(0)) {
      port = free.getLocalPort();
    }
    Process process = new ProcessBuilder("redis-server", "--port", String.valueOf(port), "--bind", HOST,
        "--save", "", "--appendonly", "no")
        .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    RedisServer server = new RedisServer(process, port);
    long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
    while (true) {
      try (Jedis jedis = server.connect()) {
        jedis.ping();
        return server;
      } catch (RuntimeException notYet) {
        if (!process.isAlive() || System.nanoTime() > deadline) {
          server.close();
          throw new IllegalStateException("redis-server did not start on port " + port, notYet);
        }
        Thread.sleep(50);
      }
    }
  }

  Jedis connect() {
    return new Jedis(HOST, port);
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(10, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
