package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flashsale.api.http.ErrorCode;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The pages are static, cacheable and self-contained: no third-party script, style or CDN. */
class PagesTest {
  private static final Pattern EXTERNAL = Pattern.compile("(src|href)=\"(https?:)?//", Pattern.CASE_INSENSITIVE);
  private static final Pattern LOCAL_ASSET = Pattern.compile("(?:src|href)=\"(/pages/[^\"]+)\"");
  private static ApiFixture fixture;

  @BeforeAll
  static void startApi() {
    fixture = ApiFixture.start();
  }

  @AfterAll
  static void stopApi() {
    fixture.close();
  }

  @Test
  void theBuyerPageIsTheSameCacheableFileForEverySale() {
    ApiFixture.Response one = page("/sales/one-sale");
    ApiFixture.Response other = page("/sales/another-sale");
    assertThat(one.raw().body()).isEqualTo(other.raw().body());
    assertThat(one.header("Cache-Control")).contains("public").contains("max-age=");
    assertThat(one.header("Set-Cookie")).isNull();
    assertThat(one.header("Content-Security-Policy")).doesNotContain("unsafe");
  }

  @Test
  void pagesLoadOnlyTheirOwnAssetsAndForbidOthers() {
    for (String path : new String[] {"/sales/any", "/admin"}) {
      ApiFixture.Response page = page(path);
      assertThat(EXTERNAL.matcher(page.raw().body()).find()).as("an external resource in %s", path).isFalse();
      assertThat(page.header("Content-Security-Policy")).contains("default-src 'self'")
          .contains("script-src 'self';").contains("connect-src 'self';");
      Matcher assets = LOCAL_ASSET.matcher(page.raw().body());
      int found = 0;
      while (assets.find()) {
        ApiFixture.Response asset = fixture.call("GET", assets.group(1)).send();
        assertThat(asset.status()).as(assets.group(1)).isEqualTo(200);
        assertThat(asset.header("Cache-Control")).contains("public");
        assertThat(asset.raw().body()).doesNotContainPattern("(?i)https?://(?!www\\.w3\\.org/2000/svg)");
        found++;
      }
      assertThat(found).as("assets of %s", path).isGreaterThanOrEqualTo(3);
    }
  }

  @Test
  void anUnknownAssetIsAProblem() {
    fixture.call("GET", "/pages/nope.js").send().assertProblem(404, ErrorCode.NOT_FOUND);
  }

  private static ApiFixture.Response page(String path) {
    ApiFixture.Response page = fixture.call("GET", path).send();
    assertThat(page.status()).isEqualTo(200);
    assertThat(page.contentType()).startsWith("text/html");
    return page;
  }
}
