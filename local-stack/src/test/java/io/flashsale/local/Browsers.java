package io.flashsale.local;

import io.flashsale.embedded.DebianPackages;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * Headless Chromium through Selenium, from Debian's chromium and chromium-driver packages (installed where missing,
 * the tests skipped where they cannot be, see DebianPackages.requireForTest):
 * no browser or driver is downloaded. Screenshots go to target/screenshots/.
 */
final class Browsers implements AutoCloseable {
  static final Path SCREENSHOTS = Path.of("target", "screenshots");
  /** A phone's screen in CSS pixels (an iPhone 14's), and a desktop's. */
  static final int[] PHONE = {390, 844};
  static final int[] DESKTOP = {1400, 1100};

  private final List<WebDriver> open = new ArrayList<>();

  private Browsers() {}

  static Browsers start() throws IOException, InterruptedException {
    DebianPackages.requireForTest("chromium", "chromium");
    DebianPackages.requireForTest("chromedriver", "chromium-driver");
    Files.createDirectories(SCREENSHOTS);
    return new Browsers();
  }

  /** A new browser (its own profile, so its own sessionStorage) with a window of {@code size} CSS pixels. */
  WebDriver open(int[] size) {
    ChromeOptions options = new ChromeOptions()
        .setBinary(executable("chromium"))
        .addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
            "--window-size=" + Math.max(size[0], 500) + "," + size[1], "--hide-scrollbars",
            "--force-device-scale-factor=1");
    if (size[0] < 500) { // below Chrome's smallest window: a phone's viewport, emulated
      options.setExperimentalOption("mobileEmulation", Map.of("deviceMetrics",
          Map.of("width", size[0], "height", size[1], "pixelRatio", 1.0, "touch", true)));
    }
    // A driver process per browser, on a free port; quitting the browser stops it.
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(executable("chromedriver"))
        .usingAnyFreePort()
        .build();
    ChromeDriver driver = new ChromeDriver(service, options);
    driver.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    open.add(driver);
    return driver;
  }

  static Path screenshot(WebDriver driver, String name) {
    try {
      Path target = SCREENSHOTS.resolve(name + ".png");
      File shot = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
      Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static File executable(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/bin").split(File.pathSeparator)) {
      File candidate = new File(dir, name);
      if (candidate.canExecute()) {
        return candidate;
      }
    }
    throw new IllegalStateException(name + " is not on the PATH");
  }

  @Override
  public void close() {
    open.forEach(WebDriver::quit);
  }
}
