package io.flashsale.embedded;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Commands run beside the JVM (redis-server and wrk for the bench, chromium and chromedriver for the browser tests,
 * promtool for the Prometheus tests), installed from Debian's packages where missing by {@code setup-package.sh},
 * which ships on the classpath so that the bench and every module's tests find it wherever they run.
 *
 * <p>Tests call {@link #requireForTest}: the one policy of what a test does without its tool, so that {@code ./mvnw
 * verify} passes wherever a JDK runs (macOS, Windows, a non-root Linux) and says what it skipped, while CI
 * ({@code CI=true}, as root on Debian) runs every such test and fails on a missing tool rather than skip it.
 */
public final class DebianPackages {
  static final String SETUP_SCRIPT = "setup-package.sh";
  /** JUnit's (opentest4j's) "aborted": the test is reported skipped. Named, not linked: this is runtime code. */
  static final String TEST_ABORTED = "org.opentest4j.TestAbortedException";

  /** What a test does about its tool. */
  public enum Action {
    /** The command is on the PATH: run. */
    RUN,
    /** Missing, but this is root with apt-get: install it, then run. */
    INSTALL,
    /** Missing and not installable here, outside CI: skip the test, saying how to get the tool. */
    SKIP,
    /** Missing and not installable, under CI=true: fail, since CI must run every test. */
    FAIL
  }

  /** Where a test runs, as far as the policy cares. */
  public record Host(boolean installed, boolean root, boolean aptGet, boolean ci) {}

  private DebianPackages() {}

  /** The policy, a pure decision. An install that was tried and failed is decided again as not installable. */
  public static Action decide(Host host) {
    if (host.installed()) {
      return Action.RUN;
    }
    if (host.root() && host.aptGet()) {
      return Action.INSTALL;
    }
    return host.ci() ? Action.FAIL : Action.SKIP;
  }

  /** CI=true (GitHub Actions, GitLab CI and most others set it) means every test must run. */
  public static boolean ci(Map<String, String> env) {
    return "true".equalsIgnoreCase(env.getOrDefault("CI", "").trim());
  }

  /**
   * For a test that needs {@code command}: returns when it is there (installing {@code pkg} as root), otherwise
   * aborts the test as skipped with how to install it, or under CI=true fails it.
   */
  public static void requireForTest(String command, String pkg) throws IOException, InterruptedException {
    Host host = new Host(onPath(command), isRoot(), onPath("apt-get"), ci(System.getenv()));
    Action action = decide(host);
    if (action == Action.INSTALL) {
      String failure = install(command, pkg);
      if (failure == null) {
        return;
      }
      throw outcome(decide(new Host(false, false, false, host.ci())), command + " could not be installed (" + failure + ")", command, pkg);
    }
    if (action != Action.RUN) {
      throw outcome(action, command + " is not installed and cannot be installed here ("
          + (host.root() ? "no apt-get" : "not root") + ")", command, pkg);
    }
  }

  /** Makes {@code command} available, installing {@code pkg} if it is missing; fails with the script's reason. */
  public static void ensure(String command, String pkg) throws IOException, InterruptedException {
    String failure = onPath(command) ? null : install(command, pkg);
    if (failure != null) {
      throw new IllegalStateException(command + " is not available (" + failure + ")");
    }
  }

  /** The message a skipped or failed test gives: what is missing and how to get it. */
  static String message(Action action, String why, String command, String pkg) {
    String how = "install it (Debian/Ubuntu: sudo apt-get install " + pkg + "; elsewhere the same tool from the "
        + "system's packages) and run again";
    return action == Action.FAIL
        ? why + "; CI=true requires every test to run: " + how
        : "Skipped: " + why + "; " + how + " (CI=true makes this a failure)";
  }

  static RuntimeException outcome(Action action, String why, String command, String pkg) {
    String message = message(action, why, command, pkg);
    if (action == Action.FAIL) {
      return new IllegalStateException(message);
    }
    try {
      return (RuntimeException) Class.forName(TEST_ABORTED).getConstructor(String.class).newInstance(message);
    } catch (ReflectiveOperationException | ClassCastException notUnderJUnit) {
      return new IllegalStateException(message);
    }
  }

  /** Runs the setup script; null when the command is there afterwards, else the reason. */
  private static String install(String command, String pkg) throws IOException, InterruptedException {
    Path script = Files.createTempFile("flashsale-setup-package", ".sh");
    try {
      try (InputStream in = DebianPackages.class.getResourceAsStream(SETUP_SCRIPT)) {
        if (in == null) {
          throw new IllegalStateException(SETUP_SCRIPT + " is missing from the classpath");
        }
        Files.write(script, in.readAllBytes());
      }
      Process setup = new ProcessBuilder("bash", script.toString(), command, pkg).inheritIO().start();
      if (!setup.waitFor(10, TimeUnit.MINUTES)) {
        setup.destroy();
        return SETUP_SCRIPT + " " + command + " " + pkg + " took over 10 minutes";
      }
      return setup.exitValue() == 0 ? null : SETUP_SCRIPT + " " + command + " " + pkg + " failed, see above";
    } finally {
      Files.deleteIfExists(script);
    }
  }

  static boolean onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }

  private static boolean isRoot() throws InterruptedException {
    // On Windows there is neither id nor apt-get, and the answer does not matter.
    try {
      Process id = new ProcessBuilder("id", "-u").redirectErrorStream(true).start();
      String uid = new String(id.getInputStream().readAllBytes()).trim();
      return id.waitFor(10, TimeUnit.SECONDS) && "0".equals(uid);
    } catch (IOException noId) {
      return "root".equals(System.getProperty("user.name"));
    }
  }
}
