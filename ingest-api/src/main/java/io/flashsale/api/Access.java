package io.flashsale.api;

import io.flashsale.api.Identity.Buyer;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.security.RouteRole;
import java.nio.charset.StandardCharsets;

/**
 * Who may call a route, checked once before its handler ({@code beforeMatched}) from the route's role: an admin
 * by the admin token, a buyer by the client address's rate limit, a token and the per-user rate limit. Handlers
 * then only ask {@link #buyer}, and the purchase route {@link #purchaseOf} for the per-sale limit.
 *
 * <p>The limits are per instance. The per-user and per-address ones guard an instance against one client; a
 * balancer that spreads one client over n instances lets it through at most n times as often, which is still
 * bounded, and what a buyer may buy is limited in the topology, across instances. The per-sale limit protects
 * the topology: give each instance its share of the sale's budget.
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
  private final RateLimits perUser;
  private final RateLimits perAddress;
  private final RateLimits perSale;
  private final ClientAddress clientAddress;

  private final byte[] metricsToken;

  /** {@code metricsToken} null: metrics are open, like health. */
  Access(Identity identity, RateLimits perUser, RateLimits perAddress, RateLimits perSale, ClientAddress clientAddress,
         String metricsToken) {
    this.identity = identity;
    this.perUser = perUser;
    this.perAddress = perAddress;
    this.perSale = perSale;
    this.clientAddress = clientAddress;
    this.metricsToken = metricsToken == null ? null : metricsToken.getBytes(StandardCharsets.UTF_8);
  }

  /** The limits, trusted proxies and metrics token of this configuration. */
  static Access of(Identity identity, ApiConfig config) {
    return new Access(identity,
        new RateLimits("user", config.rateLimitPerSecond(), config.rateLimitBurst()),
        new RateLimits("client address", config.ipRateLimitPerSecond(), 2 * config.ipRateLimitPerSecond()),
        new RateLimits("sale", config.saleRateLimitPerSecond(), config.saleRateLimitPerSecond()),
        ClientAddress.trusting(config.trustedProxies()), config.metricsToken());
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
    // The address first: it costs nothing, while a token costs a signature check.
    perAddress.take(clientAddress.of(ctx.req().getRemoteAddr(), ctx.header(Header.X_FORWARDED_FOR)));
    Buyer buyer = identity.buyer(ctx.header(Header.AUTHORIZATION));
    perUser.take(buyer.userId());
    ctx.attribute(BUYER_ATTRIBUTE, buyer);
    return buyer;
  }

  /**
   * DEVICE_REQUIRED unless the buyer may take part in the sale: a sale with {@code requireDevice} takes only tokens
   * with a device ({@code did}). Purchases and the waiting room's queue both check it before writing anything.
   */
  static void requireDevice(Sale sale, Buyer buyer) {
    if (sale.getRequireDevice() && buyer.deviceId() == null) {
      throw new Problem(ErrorCode.DEVICE_REQUIRED, "Sale " + sale.getSaleId() + " takes only buyers whose token names"
          + " their device (did)");
    }
  }

  /** The buyer of a purchase in this sale, counted against the sale's limit after their own. */
  Buyer purchaseOf(Context ctx, String saleId) {
    Buyer buyer = buyer(ctx);
    perSale.take(saleId);
    return buyer;
  }
}
