package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.flashsale.embedded.TestInfrastructure.Choice;
import io.flashsale.embedded.TestInfrastructure.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TestInfrastructureTest {
  @TempDir Path home;

  @Test
  void containersWhereDockerAnswersUnlessTheOverrideSaysOtherwise() {
    assertThat(TestInfrastructure.choose(Mode.AUTO, () -> true)).isEqualTo(Choice.CONTAINERS);
    assertThat(TestInfrastructure.choose(Mode.AUTO, () -> false)).isEqualTo(Choice.IN_JVM);
    assertThat(TestInfrastructure.choose(Mode.ALWAYS, () -> true)).isEqualTo(Choice.CONTAINERS);
    assertThatThrownBy(() -> TestInfrastructure.choose(Mode.ALWAYS, () -> false))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("FLASHSALE_TEST_DOCKER=always, but no Docker engine answers");
  }

  @Test
  void neverDoesNotEvenAskDocker() {
    AtomicInteger asked = new AtomicInteger();
    BooleanSupplier docker = () -> asked.incrementAndGet() > 0;

    assertThat(TestInfrastructure.choose(Mode.NEVER, docker)).isEqualTo(Choice.IN_JVM);
    assertThat(asked).hasValue(0);
  }

  @Test
  void theOverrideIsAutoAlwaysOrNever() {
    assertThat(Mode.parse(null)).isEqualTo(Mode.AUTO);
    assertThat(Mode.parse(" ")).isEqualTo(Mode.AUTO);
    assertThat(Mode.parse("auto")).isEqualTo(Mode.AUTO);
    assertThat(Mode.parse("Always")).isEqualTo(Mode.ALWAYS);
    assertThat(Mode.parse(" never ")).isEqualTo(Mode.NEVER);
    assertThatThrownBy(() -> Mode.parse("yes"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("FLASHSALE_TEST_DOCKER must be auto, always or never, was 'yes'");
  }

  @Test
  void theLineSaysWhatTheTestsRunAgainst() {
    assertThat(Choice.IN_JVM.line()).isEqualTo("Docker not available: using the in-JVM Kafka broker and embedded PostgreSQL");
    assertThat(Choice.CONTAINERS.line())
        .isEqualTo("Docker available: using Testcontainers " + TestInfrastructure.KAFKA_IMAGE + " and postgres:17");
  }

  @Test
  void theContainersRunTheImagesOfDockerCompose() throws IOException {
    String compose = Files.readString(Path.of("..", "docker-compose.yml"));
    Matcher images = Pattern.compile("(?m)^\\s*image:\\s*(\\S+)\\s*$").matcher(compose);
    java.util.List<String> found = new java.util.ArrayList<>();
    while (images.find()) {
      found.add(images.group(1));
    }
    assertThat(found).contains(TestInfrastructure.KAFKA_IMAGE, TestInfrastructure.POSTGRES_IMAGE);
  }

  @Test
  void testcontainersIsAskedOnlyWhereAnEngineCanBe() throws IOException {
    Path runtimeDir = Files.createDirectories(home.resolve("run"));
    Map<String, String> noHints = Map.of("XDG_RUNTIME_DIR", runtimeDir.toString());
    assumeTrue(Files.notExists(Path.of("/var/run/docker.sock")), "this machine has a Docker socket");

    assertThat(DockerProbe.mayHaveDocker(noHints, home, "Linux")).isFalse();
    assertThat(DockerProbe.mayHaveDocker(Map.of("DOCKER_HOST", "tcp://docker:2375"), home, "Linux")).isTrue();
    assertThat(DockerProbe.mayHaveDocker(noHints, home, "Windows 11")).isTrue();
    Files.createFile(runtimeDir.resolve("docker.sock"));
    assertThat(DockerProbe.mayHaveDocker(noHints, home, "Linux")).isTrue();
    Files.delete(runtimeDir.resolve("docker.sock"));
    Files.createDirectories(home.resolve(".docker/run"));
    Files.createFile(home.resolve(".docker/run/docker.sock"));
    assertThat(DockerProbe.mayHaveDocker(noHints, home, "Linux")).isTrue();
    Files.delete(home.resolve(".docker/run/docker.sock"));
    Files.writeString(home.resolve(".testcontainers.properties"), "docker.host=tcp://docker:2375\n");
    assertThat(DockerProbe.mayHaveDocker(noHints, home, "Linux")).isTrue();
  }

  /** The choice is made on every test JVM's first broker: it must cost next to nothing where Docker is missing. */
  @Test
  void theChoiceIsQuickAndStartsNothingWithoutDocker() {
    long started = System.nanoTime();
    Choice choice = TestInfrastructure.choice();
    long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
    System.out.println("choice " + choice + " in " + millis + " ms");

    assertThat(millis).isLessThan(2_000);
    if (choice == Choice.IN_JVM) {
      assertThat(Thread.getAllStackTraces().keySet()).extracting(Thread::getName)
          .noneMatch(name -> name.toLowerCase(java.util.Locale.ROOT).matches(".*(ryuk|testcontainers|docker).*"));
    }
  }
}
