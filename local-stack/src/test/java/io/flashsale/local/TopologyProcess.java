package io.flashsale.local;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** The topology in a child JVM, so that a test can crash it for real (SIGKILL) and start it again. */
final class TopologyProcess {
  private static final String RUNNING_LINE = "flashsale topology RUNNING";

  private final Process process;

  private TopologyProcess(Process process) {
    this.process = process;
  }

  static TopologyProcess start(Map<String, String> env) throws IOException, InterruptedException {
    // Surefire hides the test class path behind a manifest jar; this property has the real one.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    ProcessBuilder builder = new ProcessBuilder(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx512m", "-cp", classPath, "io.flashsale.topology.TopologyApp")
        .redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    CountDownLatch running = new CountDownLatch(1);
    Thread output = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
        for (String line; (line = lines.readLine()) != null; ) {
          System.out.println("[topology " + process.pid() + "] " + line);
          if (line.contains(RUNNING_LINE)) {
            running.countDown();
          }
        }
      } catch (IOException ended) {
        // the process was killed
      }
    }, "topology-output-" + process.pid());
    output.setDaemon(true);
    output.start();
    if (!running.await(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("Topology did not reach RUNNING within 60 s");
    }
    return new TopologyProcess(process);
  }

  /** SIGKILL: no shutdown hook, no clean close, no commit. */
  void crash() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
