package io.flashsale.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A part of the system (topology, sink) in a child JVM on the test's class path, so that a test can
 * crash it for real (SIGKILL) and start it again. Its output is echoed with a prefix.
 */
public final class ChildJvm {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;

  private ChildJvm(Process process) {
    this.process = process;
  }

  /** Starts {@code mainClass} with {@code env} and {@code args}, and returns once it printed {@code readyLine}. */
  public static ChildJvm start(String mainClass, String maxHeap, Map<String, String> env, String readyLine,
                               String... args) throws IOException, InterruptedException {
    // Surefire hides the test class path behind a manifest jar; this property has the real one.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-Xmx" + maxHeap, "-cp", classPath, mainClass));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
    builder.environment().putAll(env);
    Process process = builder.start();
    String name = mainClass.substring(mainClass.lastIndexOf('.') + 1) + " " + process.pid();
    CountDownLatch ready = new CountDownLatch(1);
    Thread output = new Thread(() -> {
      try (BufferedReader lines = new BufferedReader(new InputStreamReader(process.getInputStream()))) {
        for (String line; (line = lines.readLine()) != null; ) {
          System.out.println("[" + name + "] " + line);
          if (line.contains(readyLine)) {
            ready.countDown();
          }
        }
      } catch (IOException ended) {
        // the process was killed
      }
    }, "output-of-" + process.pid());
    output.setDaemon(true);
    output.start();
    if (!ready.await(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not print '" + readyLine + "' within " + START_TIMEOUT);
    }
    return new ChildJvm(process);
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Waits for the process to end by itself; answers its exit code. */
  public int awaitExit(Duration timeout) throws InterruptedException {
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      throw new IllegalStateException("Process " + process.pid() + " did not end within " + timeout);
    }
    return process.exitValue();
  }

  /** SIGKILL: no shutdown hook, no clean close, no commit. */
  public void crash() throws InterruptedException {
    process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
  }

  /** SIGTERM: the shutdown hook closes cleanly. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
