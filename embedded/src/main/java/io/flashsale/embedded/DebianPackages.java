package io.flashsale.embedded;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Commands run beside the JVM (redis-server and wrk for the bench, promtool for the alert tests), installed from
 * Debian's packages through ops/setup-package.sh where missing.
 */
public final class DebianPackages {
  static final Path SETUP_SCRIPT = Path.of("ops", "setup-package.sh");

  private DebianPackages() {}

  /**
   * Makes {@code command} available, installing {@code pkg} where it is missing. The script is looked for in
   * the working directory and its parents (a module's tests run in the module's directory); outside the
   * repository the command must be on the PATH already.
   */
  public static void ensure(String command, String pkg) throws IOException, InterruptedException {
    Path script = null;
    for (Path dir = Path.of("").toAbsolutePath(); dir != null && script == null; dir = dir.getParent()) {
      if (Files.isRegularFile(dir.resolve(SETUP_SCRIPT))) {
        script = dir.resolve(SETUP_SCRIPT);
      }
    }
    if (script == null) {
      return;
    }
    Process setup = new ProcessBuilder("bash", script.toString(), command, pkg).inheritIO().start();
    if (!setup.waitFor(5, TimeUnit.MINUTES) || setup.exitValue() != 0) {
      setup.destroy();
      throw new IllegalStateException(command + " is not available (" + script + " failed)");
    }
  }
}
