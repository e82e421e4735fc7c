package io.flashsale.api.access;

import io.flashsale.api.access.Identity.Admin;
import io.flashsale.api.access.Identity.Buyer;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.Problem;
import io.flashsale.schemas.AdminRole;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.security.RouteRole;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.function.BiConsumer;

/**
 * Who may call a route, checked once before its handler ({@code beforeMatched}) from the route's role: an admin
 * by the admin token or an admin JWT, whose role must allow the route (a viewer reads, an operator also acts), a
 * buyer by the client address's rate limit, a token and the per-user rate limit. Handlers then only ask
 * {@link #buyer} or {@link #admin}, and the purchase route {@link #purchaseOf} for the per-sale limit.
 *
 * <p>The limits are per instance. The per-user and per-address ones guard an instance against one client; a
 * balancer that spreads one client over n instances lets it through at most n times as often, which is still
 * bounded, and what a buyer may buy is limited in the topology, across instances. The per-sale limit protects
 * the topology: give each instance its share of the sale's budget.
 */
public final class Access {
  /** The role a route requires; a route without one is open to anyone. */
  public enum Role implements RouteRole {
    /** An admin's reads: a viewer or an operator. */
    ADMIN_VIEW,
    /** An admin's actions (sales created and ended, waiting rooms changed): an operator. */
    ADMIN_OPERATE,
    BUYER,
    /** The Prometheus scraper: the metrics token where one is set, else anyone. */
    METRICS
  }

  private static final String BUYER_ATTRIBUTE = "flashsale.buyer";
  private static final String ADMIN_ATTRIBUTE = "flashsale.admin";

  private final Identity identity;
  private final RateLimits perUser;
  private final RateLimits perAddress;
  private final RateLimits perSale;
  private final ClientAddress clientAddress;

  private final byte[] metricsToken;
  private volatile BiConsumer<Context, Admin> refusals = (ctx, admin) -> { };

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
  public static Access of(Identity identity, AccessSettings config) {
    return new Access(identity,
        new RateLimits("user", config.rateLimitPerSecond(), config.rateLimitBurst()),
        new RateLimits("client address", config.ipRateLimitPerSecond(), 2 * config.ipRateLimitPerSecond()),
        new RateLimits("sale", config.saleRateLimitPerSecond(), config.saleRateLimitPerSecond()),
        ClientAddress.trusting(config.trustedProxies()), config.metricsToken());
  }

  /**
   * Runs before every matched route: UNAUTHENTICATED, FORBIDDEN or RATE_LIMITED unless the caller has the route's
   * role. An admin refused an action is told to {@link #onRefused} first.
   */
  public void check(Context ctx) {
    boolean operate = ctx.routeRoles().contains(Role.ADMIN_OPERATE);
    if (operate || ctx.routeRoles().contains(Role.ADMIN_VIEW)) {
      Admin admin = identity.admin(ctx.header(Header.AUTHORIZATION));
      AdminRole needed = operate ? AdminRole.OPERATOR : AdminRole.VIEWER;
      if (!admin.may(needed)) {
        if (operate) {
          refusals.accept(ctx, admin);
        }
        throw new Problem(ErrorCode.FORBIDDEN, "This needs the admin role " + needed.name().toLowerCase(Locale.ROOT)
            + "; the token of " + admin.name() + " grants " + admin.role().name().toLowerCase(Locale.ROOT));
      }
      ctx.attribute(ADMIN_ATTRIBUTE, admin);
    } else if (ctx.routeRoles().contains(Role.BUYER)) {
      buyer(ctx);
    } else if (ctx.routeRoles().contains(Role.METRICS) && metricsToken != null) {
      identity.bearer(ctx.header(Header.AUTHORIZATION), metricsToken, "Metrics token required");
    }
  }

  /** Tells {@code listener} of every admin refused an action, before the 403; set before the server starts. */
  public void onRefused(BiConsumer<Context, Admin> listener) {
    this.refusals = listener;
  }

  /** The admin of a request to an admin route, as {@link #check} found them. */
  public static Admin admin(Context ctx) {
    Admin admin = ctx.attribute(ADMIN_ATTRIBUTE);
    if (admin == null) {
      throw new IllegalStateException("No admin on " + ctx.path() + ": not an admin route");
    }
    return admin;
  }

  /** The client's address: the peer's, or the one a trusted proxy's X-Forwarded-For names. */
  public String clientAddress(Context ctx) {
    return clientAddress.of(ctx.req().getRemoteAddr(), ctx.header(Header.X_FORWARDED_FOR));
  }

  /**
   * The buyer of this request, authenticated and counted against their rate limit once per request. The purchase
   * route calls it itself, after the checks that are cheaper than a token.
   */
  public Buyer buyer(Context ctx) {
    Buyer known = ctx.attribute(BUYER_ATTRIBUTE);
    if (known != null) {
      return known;
    }
    // The address first: it costs nothing, while a token costs a signature check.
    perAddress.take(clientAddress(ctx));
    Buyer buyer = identity.buyer(ctx.header(Header.AUTHORIZATION));
    perUser.take(buyer.userId());
    ctx.attribute(BUYER_ATTRIBUTE, buyer);
    return buyer;
  }

  /**
   * DEVICE_REQUIRED unless the buyer may take part in the sale: a sale with {@code requireDevice} takes only tokens
   * with a device ({@code did}). Purchases and the waiting room's queue both check it before writing anything.
   */
  public static void requireDevice(Sale sale, Buyer buyer) {
    if (sale.getRequireDevice() && buyer.deviceId() == null) {
      throw new Problem(ErrorCode.DEVICE_REQUIRED, "Sale " + sale.getSaleId() + " takes only buyers whose token names"
          + " their device (did)");
    }
  }

  /** The buyer of a purchase in this sale, counted against the sale's limit after their own. */
  public Buyer purchaseOf(Context ctx, String saleId) {
    Buyer buyer = buyer(ctx);
    perSale.take(saleId);
    return buyer;
  }
}
