package io.flashsale.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** What a new user sees first: --help names every command, --version the project's, and a readiness time-out what is not ready. */
class FlashsaleCliTest {
  @Test
  void helpListsEveryCommandTheLauncherRunsBenchIncluded() {
    String help = run("--help");
    assertThat(help).contains("local", "token", "bench", "reconcile", "verify-draw", "--version");
  }

  @Test
  void versionIsTheProjectVersionOfThePom() throws Exception {
    Matcher version = Pattern.compile("<artifactId>flashsale</artifactId>\\s*<version>([^<]+)</version>")
        .matcher(Files.readString(OperationsTest.REPOSITORY.resolve("pom.xml")));
    assertThat(version.find()).isTrue();
    assertThat(run("--version").trim()).isEqualTo("Flashsale " + version.group(1));
  }

  @Test
  void aReadyStackIsATopologyRunningAndAnApiAnswering200() {
    assertThat(StackReadiness.of("RUNNING", 200, Map.of("broker", true)).ready()).isTrue();
    assertThat(StackReadiness.of("REBALANCING", 200, Map.of()).ready()).isFalse();
    assertThat(StackReadiness.of("RUNNING", 503, Map.of("broker", true, "salesView", false)).ready()).isFalse();
    assertThat(StackReadiness.of("RUNNING", 0, Map.of()).ready()).isFalse();
  }

  @Test
  void aTimeOutNamesEachPartNotReadyWithAHint() {
    StackReadiness readiness = StackReadiness.of("REBALANCING", 503,
        Map.of("broker", true, "topology", false, "salesView", true, "purchaseView", false));

    assertThat(readiness.notReady()).containsExactlyInAnyOrder("topology (state REBALANCING)",
        "topology (the API's readiness check)", "purchaseView (the API's readiness check)");
    assertThat(readiness.waitingFor()).contains("topology (state REBALANCING)", "purchaseView");
    String message = readiness.timedOut(300);
    assertThat(message).startsWith("Not ready after 300 s.")
        .contains("restoring its state", "purchase outcomes", "--ready-timeout").doesNotContain("broker");
    assertThat(StackReadiness.of("RUNNING", 0, Map.of()).timedOut(5)).contains("api (no answer", "FLASHSALE_HTTP_PORT");
    assertThat(StackReadiness.of("RUNNING", 503, Map.of("broker", false)).timedOut(5)).contains("broker", "in-JVM Kafka");
  }

  private static String run(String... args) {
    StringWriter out = new StringWriter();
    CommandLine cli = FlashsaleCli.commandLine(Map.of());
    cli.setOut(new PrintWriter(out));
    assertThat(cli.execute(args)).isZero();
    return out.toString();
  }
}
