package io.flashsale.api;

import io.flashsale.api.Identity.Buyer;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.security.RouteRole;
import java.nio.charset.StandardCharsets;

/**
 * Who may call a route, checked once before its handler ({@code beforeMatched}) from the route's role: an admin
 * by the admin token, a buyer by a token and the per-user rate limit. Handlers then only ask {@link #buyer}.
 */
final class Access {
  /** The role a route requires; a route without one is open to anyone. */
  enum Role implements RouteRole {
    ADMIN,
    BUYER,
    /** The Prometheus scraper: the metrics token where one is set, else anyone. */
    METRICS
  }

  private static final String BUYER_ATTRIBUTE = "flashsale.buyer";

  private final Identity identity;
  private final RateLimits rateLimits;

  private final byte[] metricsToken;

  /** {@code metricsToken} null: metrics are open, like health. */
  Access(Identity identity, RateLimits rateLimits, String metricsToken) {
    this.identity = identity;
    this.rateLimits = rateLimits;
    this.metricsToken = metricsToken == null ? null : metricsToken.getBytes(StandardCharsets.UTF_8);
  }

  /** Runs before every matched route: UNAUTHENTICATED or RATE_LIMITED unless the caller has the route's role. */
  void check(Context ctx) {
    if (ctx.routeRoles().contains(Role.ADMIN)) {
      identity.admin(ctx.header(Header.AUTHORIZATION));
    } else if (ctx.routeRoles().contains(Role.BUYER)) {
      buyer(ctx);
    } else if (ctx.routeRoles().contains(Role.METRICS) && metricsToken != null) {
      identity.bearer(ctx.header(Header.AUTHORIZATION), metricsToken, "Metrics token required");
    }
  }

  /**
   * The buyer of this request, authenticated and counted against their rate limit once per request. The purchase
   * route calls it itself, after the checks that are cheaper than a token.
   */
  Buyer buyer(Context ctx) {
    Buyer known = ctx.attribute(BUYER_ATTRIBUTE);
    if (known != null) {
      return known;
    }
    Buyer buyer = identity.buyer(ctx.header(Header.AUTHORIZATION));
    rateLimits.take(buyer.userId());
    ctx.attribute(BUYER_ATTRIBUTE, buyer);
    return buyer;
  }
}
