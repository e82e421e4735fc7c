package io.flashsale.api.pages;

import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

/**
 * The buyer page and the admin dashboard: plain HTML, CSS and JavaScript from the classpath ({@code /pages/}), the
 * same bytes for every sale and every visitor, so a CDN may cache them. Everything that changes comes from the API
 * itself (the sale, its event stream, the purchase), which the pages call from the browser.
 */
public final class Pages {
  /** Short enough that a new release reaches buyers within minutes; the pages hold nothing a sale changes. */
  static final String CACHE_CONTROL = "public, max-age=300";
  private static final Map<String, String> ASSETS = Map.of(
      "sale.js", "text/javascript; charset=utf-8",
      "waiting-room.js", "text/javascript; charset=utf-8",
      "admin.js", "text/javascript; charset=utf-8",
      "common.js", "text/javascript; charset=utf-8",
      "cart.js", "text/javascript; charset=utf-8",
      "flashsale.css", "text/css; charset=utf-8");

  private final byte[] buyerPage;
  private final byte[] dashboard;
  private final byte[] cartPage;
  private final Map<String, byte[]> assets;

  private Pages(byte[] buyerPage, byte[] dashboard, byte[] cartPage, Map<String, byte[]> assets) {
    this.buyerPage = buyerPage;
    this.dashboard = dashboard;
    this.cartPage = cartPage;
    this.assets = assets;
  }

  /** Reads the pages once; a missing one fails the start, not a buyer's request. */
  public static Pages fromClasspath() {
    Map<String, byte[]> assets = new HashMap<>();
    ASSETS.keySet().forEach(name -> assets.put(name, read(name)));
    return new Pages(read("sale.html"), read("admin.html"), read("cart.html"), Map.copyOf(assets));
  }

  /** Only the page's own scripts and the API itself: no third-party script can run here. */
  static final String BUYER_POLICY = "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
      + "connect-src 'self'; frame-ancestors 'none'";
  /**
   * The same, with inline styles: the dashboard shows a nightly report (self-contained HTML with its own style
   * sheet, no script) from memory, and that document inherits this policy.
   */
  static final String DASHBOARD_POLICY = BUYER_POLICY.replace("style-src 'self'", "style-src 'self' 'unsafe-inline'");

  /** {@code GET /sales/{saleId}}: the page reads the sale id from its own address. */
  public void buyerPage(Context ctx) {
    html(ctx, buyerPage, BUYER_POLICY);
  }

  /** {@code GET /cart}: the buyer's holds across sales and one payment for them all. */
  public void cartPage(Context ctx) {
    html(ctx, cartPage, BUYER_POLICY);
  }

  /** {@code GET /admin}: the dashboard; it asks for the admin token and sends it on every API call. */
  public void dashboard(Context ctx) {
    html(ctx, dashboard, DASHBOARD_POLICY);
  }

  /** {@code GET /pages/{file}}: the pages' scripts and style sheet. */
  public void asset(Context ctx) {
    String name = ctx.pathParam("file");
    byte[] bytes = assets.get(name);
    if (bytes == null) {
      throw new NotFoundResponse("No page asset " + name);
    }
    ctx.header(Header.CACHE_CONTROL, CACHE_CONTROL).contentType(ASSETS.get(name)).result(bytes);
  }

  private static void html(Context ctx, byte[] page, String policy) {
    ctx.header(Header.CACHE_CONTROL, CACHE_CONTROL)
        .header("Content-Security-Policy", policy)
        .header("X-Content-Type-Options", "nosniff")
        .contentType("text/html; charset=utf-8").result(page);
  }

  private static byte[] read(String name) {
    try (InputStream in = Pages.class.getResourceAsStream("/pages/" + name)) {
      if (in == null) {
        throw new IllegalStateException("Page resource /pages/" + name + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
