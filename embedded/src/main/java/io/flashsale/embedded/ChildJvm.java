package io.flashsale.embedded;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A part of the system (topology, sink, API, a broker) in a child JVM on the test's class path, so that a test can
 * crash it for real (SIGKILL) and start it again. Its output is echoed with a prefix.
 */
public final class ChildJvm {
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final String name;
  private final String readyLine;
  private final CountDownLatch ready;

  private ChildJvm(Process process, String name, String readyLine, CountDownLatch ready) {
    this.process = process;
    this.name = name;
    this.readyLine = readyLine;
    this.ready = ready;
  }

  /** Starts {@code mainClass} with {@code env} and {@code args}, and returns once it printed {@code readyLine}. */
  public static ChildJvm start(String mainClass, String maxHeap, Map<String, String> env, String readyLine,
                               String... args) throws IOException, InterruptedException {
    ChildJvm child = launch(mainClass, List.of("-Xmx" + maxHeap), env, readyLine, args);
    child.awaitReady(START_TIMEOUT);
    return child;
  }

  /**
   * Starts {@code mainClass} with these JVM options and returns at once, for processes that only get ready
   * together (the nodes of a Kafka quorum); {@link #awaitReady} waits for {@code readyLine}.
   */
  public static ChildJvm launch(String mainClass, List<String> jvmOptions, Map<String, String> env, String readyLine,
                                String... args) throws IOException {
    return launch(List.of(), mainClass, jvmOptions, env, readyLine, args);
  }

  /**
   * The same as the leader of a process group of its own (setsid), as a shell starts a command: {@link #crashGroup}
   * then kills it with everything it started that stayed in its group, as Ctrl-\ or {@code kill -9 -PGID} would.
   */
  public static ChildJvm launchAsGroup(String mainClass, List<String> jvmOptions, Map<String, String> env,
                                       String readyLine, String... args) throws IOException {
    // setsid forks only when the caller leads a group, which a child of this JVM does not: the pid stays the JVM's.
    ChildJvm child = launch(List.of("setsid"), mainClass, jvmOptions, env, readyLine, args);
    long group = processGroup(child.pid());
    for (long deadline = System.nanoTime() + 5_000_000_000L; group != child.pid() && System.nanoTime() < deadline; ) {
      try {
        Thread.sleep(10); // setsid has not run yet
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
      group = processGroup(child.pid());
    }
    if (group != child.pid()) {
      child.process.destroyForcibly();
      throw new IllegalStateException(child.name + " is in process group " + group + ", not a group of its own");
    }
    return child;
  }

  private static ChildJvm launch(List<String> prefix, String mainClass, List<String> jvmOptions,
                                 Map<String, String> env, String readyLine, String... args) throws IOException {
    // Surefire hides the test class path behind a manifest jar; this property has the real one.
    String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
    List<String> command = new ArrayList<>(prefix);
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(jvmOptions);
    command.addAll(List.of("-cp", classPath, mainClass));
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
    return new ChildJvm(process, name, readyLine, ready);
  }

  /**
   * Waits until the process printed its ready line; kills it and fails if it did not in time, after printing its
   * threads (jcmd Thread.print) into the log: a start that hangs is rare, and the stacks say where it waits.
   */
  public void awaitReady(Duration timeout) throws InterruptedException {
    if (!ready.await(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      printThreads();
      process.destroyForcibly();
      throw new IllegalStateException(name + " did not print '" + readyLine + "' within " + timeout);
    }
  }

  private void printThreads() throws InterruptedException {
    try {
      Process jcmd = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
          String.valueOf(process.pid()), "Thread.print").redirectErrorStream(true).inheritIO().start();
      if (!jcmd.waitFor(30, TimeUnit.SECONDS)) {
        jcmd.destroyForcibly();
      }
    } catch (IOException e) {
      System.err.println("No thread dump of " + name + ": " + e.getMessage());
    }
  }

  public long pid() {
    return process.pid();
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

  /** SIGKILL to the whole process group this process leads ({@link #launchAsGroup}). */
  public void crashGroup() throws IOException, InterruptedException {
    Process kill = new ProcessBuilder("kill", "-KILL", "--", "-" + process.pid()).inheritIO().start();
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -KILL -" + process.pid() + " failed with " + kill.exitValue());
    }
    process.waitFor(10, TimeUnit.SECONDS);
  }

  /** The process group of a process, from /proc (field 5 of its stat, after the command in parentheses). */
  private static long processGroup(long pid) throws IOException {
    String stat = Files.readString(Path.of("/proc", String.valueOf(pid), "stat"));
    return Long.parseLong(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2]);
  }

  /** SIGTERM: the shutdown hook closes cleanly. */
  public void stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(30, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
