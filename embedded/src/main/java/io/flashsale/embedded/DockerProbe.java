package io.flashsale.embedded;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Whether a Docker engine answers. Testcontainers is asked only where an engine could be: DOCKER_HOST, a Testcontainers
 * configuration, or a socket where Testcontainers looks for one. Without any, the answer is no at once, and Testcontainers
 * is not loaded at all: no client, no Ryuk, no error logged, nothing added to a test JVM's start.
 */
final class DockerProbe {
  private static Boolean answer;

  private DockerProbe() {}

  static synchronized boolean dockerAnswers() {
    if (answer == null) {
      answer = mayHaveDocker(System.getenv(), Path.of(System.getProperty("user.home")),
          System.getProperty("os.name", "")) && Containers.dockerAvailable();
    }
    return answer;
  }

  /** False only where none of the places Testcontainers finds an engine by exists. */
  static boolean mayHaveDocker(Map<String, String> env, Path home, String osName) {
    if (osName.toLowerCase(Locale.ROOT).startsWith("windows")) {
      return true; // a named pipe, which cannot be looked at as a file
    }
    if (!env.getOrDefault("DOCKER_HOST", "").isBlank() || Files.exists(home.resolve(".testcontainers.properties"))) {
      return true;
    }
    return sockets(env, home).stream().anyMatch(Files::exists);
  }

  /** The sockets of Testcontainers' Unix, Docker Desktop and rootless strategies. */
  static List<Path> sockets(Map<String, String> env, Path home) {
    List<Path> sockets = new ArrayList<>(List.of(
        Path.of("/var/run/docker.sock"),
        home.resolve(".docker/run/docker.sock"),
        home.resolve(".docker/desktop/docker.sock"),
        home.resolve(".colima/default/docker.sock"),
        home.resolve(".rd/docker.sock")));
    String runtimeDir = env.get("XDG_RUNTIME_DIR");
    if (runtimeDir != null && !runtimeDir.isBlank()) {
      sockets.add(Path.of(runtimeDir, "docker.sock"));
    }
    return sockets;
  }
}
