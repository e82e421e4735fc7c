package io.flashsale.reconciliation;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The sink in a child JVM, so that a test can crash it for real (SIGKILL) and start it again. */
final class SinkProcess {
  private final Process process;

  private SinkProcess(Process process) {
    this.process = process;
  }

  static SinkProcess start(Map<String, String> env) throws IOException, InterruptedException {
    // Surefire hides the test class path behind a manifest jar; this property has the real one.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx256m", "-cp", classPath, OutcomeSink.class.getName())
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    CountDownLatch running = new CountDownLatch(1);
    Thread output = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
        for (String line; (line = lines.readLine()) != null; ) {
          System.out.println("[sink " + process.pid() + "] " + line);
          if (line.contains(OutcomeSink.RUNNING_LINE)) {
            running.countDown();
          }
        }
      } catch (IOException ended) {
        // the process was killed
      }
    }, "sink-output-" + process.pid());
    output.setDaemon(true);
    output.start();
    if (!running.await(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("The sink did not start within 60 s");
    }
    return new SinkProcess(process);
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** SIGKILL: no shutdown hook, no clean close; the transaction being written is lost. */
  void crash() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM: the shutdown hook lets the batch being written finish. */
  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
