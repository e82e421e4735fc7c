package io.flashsale.embedded;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Commands run beside the JVM (redis-server and wrk for the bench, chromium and chromedriver for the browser tests,
 * promtool for the alert rules' tests),
 * installed from Debian's packages where missing by {@code setup-package.sh}, which ships on the classpath so that
 * the bench and every module's tests find it wherever they run.
 */
public final class DebianPackages {
  static final String SETUP_SCRIPT = "setup-package.sh";

  private DebianPackages() {}

  /** Makes {@code command} available, installing {@code pkg} if it is missing; fails with the script's reason. */
  public static void ensure(String command, String pkg) throws IOException, InterruptedException {
    Path script = Files.createTempFile("flashsale-setup-package", ".sh");
    try {
      try (InputStream in = DebianPackages.class.getResourceAsStream(SETUP_SCRIPT)) {
        if (in == null) {
          throw new IllegalStateException(SETUP_SCRIPT + " is missing from the classpath");
        }
        Files.write(script, in.readAllBytes());
      }
      Process setup = new ProcessBuilder("bash", script.toString(), command, pkg).inheritIO().start();
      if (!setup.waitFor(10, TimeUnit.MINUTES) || setup.exitValue() != 0) {
        setup.destroy();
        throw new IllegalStateException(command + " is not available (" + SETUP_SCRIPT + " " + command + " " + pkg
            + " failed)");
      }
    } finally {
      Files.deleteIfExists(script);
    }
  }
}
