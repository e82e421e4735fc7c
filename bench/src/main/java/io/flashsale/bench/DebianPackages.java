package io.flashsale.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** Commands the bench runs beside the JVM (redis-server, wrk), installed from Debian's packages where missing. */
final class DebianPackages {
  static final Path SETUP_SCRIPT = Path.of("bench", "setup-package.sh");

  private DebianPackages() {}

  /** Makes {@code command} available, installing {@code pkg} through bench/setup-package.sh if it is missing. */
  static void ensure(String command, String pkg) throws IOException, InterruptedException {
    if (!Files.isRegularFile(SETUP_SCRIPT)) {
      return; // not run from the repository: the command must be on the PATH already
    }
    Process setup = new ProcessBuilder("bash", SETUP_SCRIPT.toString(), command, pkg).inheritIO().start();
    if (!setup.waitFor(5, TimeUnit.MINUTES) || setup.exitValue() != 0) {
      setup.destroy();
      throw new IllegalStateException(command + " is not available (" + SETUP_SCRIPT + " failed)");
    }
  }
}
