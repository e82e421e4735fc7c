package io.flashsale.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flashsale.embedded.DebianPackages.Action;
import io.flashsale.embedded.DebianPackages.Host;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.opentest4j.TestAbortedException;

/** What a test does without its Debian tool: every case of installed x root x apt-get x CI. */
class DebianPackagesTest {
  @Test
  void anInstalledToolRunsEverywhere() {
    for (boolean root : new boolean[] {false, true}) {
      for (boolean apt : new boolean[] {false, true}) {
        for (boolean ci : new boolean[] {false, true}) {
          assertThat(DebianPackages.decide(new Host(true, root, apt, ci))).isEqualTo(Action.RUN);
        }
      }
    }
  }

  @Test
  void rootWithAptGetInstallsAMissingToolInOrOutOfCi() {
    assertThat(DebianPackages.decide(new Host(false, true, true, false))).isEqualTo(Action.INSTALL);
    assertThat(DebianPackages.decide(new Host(false, true, true, true))).isEqualTo(Action.INSTALL);
  }

  @Test
  void withoutRootOrAptGetAMissingToolSkipsOutsideCiAndFailsInCi() {
    assertThat(DebianPackages.decide(new Host(false, false, true, false))).isEqualTo(Action.SKIP);
    assertThat(DebianPackages.decide(new Host(false, true, false, false))).isEqualTo(Action.SKIP);
    assertThat(DebianPackages.decide(new Host(false, false, false, false))).isEqualTo(Action.SKIP);
    assertThat(DebianPackages.decide(new Host(false, false, true, true))).isEqualTo(Action.FAIL);
    assertThat(DebianPackages.decide(new Host(false, true, false, true))).isEqualTo(Action.FAIL);
    assertThat(DebianPackages.decide(new Host(false, false, false, true))).isEqualTo(Action.FAIL);
  }

  @Test
  void ciIsTheVariableCiSetToTrue() {
    assertThat(DebianPackages.ci(Map.of("CI", "true"))).isTrue();
    assertThat(DebianPackages.ci(Map.of("CI", "TRUE"))).isTrue();
    assertThat(DebianPackages.ci(Map.of("CI", "false"))).isFalse();
    assertThat(DebianPackages.ci(Map.of("CI", ""))).isFalse();
    assertThat(DebianPackages.ci(Map.of())).isFalse();
  }

  @Test
  void theMessagesSayWhatIsMissingAndHowToGetIt() {
    assertThat(DebianPackages.message(Action.SKIP, "promtool is not installed", "promtool", "prometheus"))
        .startsWith("Skipped: promtool is not installed").contains("sudo apt-get install prometheus", "CI=true");
    assertThat(DebianPackages.message(Action.FAIL, "wrk is not installed", "wrk", "wrk"))
        .contains("CI=true requires every test to run", "sudo apt-get install wrk");
  }

  /** On this machine: a command that exists runs; one that no package provides skips outside CI. */
  @Test
  void aToolOnThePathIsRequiredWithoutInstallingAnything() throws Exception {
    DebianPackages.requireForTest("sh", "dash");
    assertThat(DebianPackages.onPath("sh")).isTrue();
    assertThat(DebianPackages.onPath("flashsale-no-such-command")).isFalse();
  }

  /** A skip is JUnit's "aborted" (reported as skipped, with the message); a failure is an error. */
  @Test
  void aSkipIsReportedAsSkippedAndAFailureAsAFailure() {
    assertThat(DebianPackages.outcome(Action.SKIP, "chromium is not installed", "chromium", "chromium"))
        .isInstanceOf(TestAbortedException.class).hasMessageStartingWith("Skipped: chromium is not installed");
    assertThat(DebianPackages.outcome(Action.FAIL, "chromium is not installed", "chromium", "chromium"))
        .isInstanceOf(IllegalStateException.class).isNotInstanceOf(TestAbortedException.class)
        .hasMessageContaining("CI=true");
  }
}
