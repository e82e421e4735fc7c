package io.flashsale.api;

import static io.javalin.apibuilder.ApiBuilder.get;
import static io.javalin.apibuilder.ApiBuilder.patch;
import static io.javalin.apibuilder.ApiBuilder.path;
import static io.javalin.apibuilder.ApiBuilder.post;

import io.flashsale.api.access.Access.Role;
import io.flashsale.api.admin.AdminRoutes;
import io.flashsale.api.admin.SaleCreationRoutes;
import io.flashsale.api.admin.SaleMetricsRoutes;
import io.flashsale.api.admin.WaitingRoomChanges;
import io.flashsale.api.cart.CartRoutes;
import io.flashsale.api.http.ApiMeters;
import io.flashsale.api.http.Health;
import io.flashsale.api.orderurl.OrderUrlRoutes;
import io.flashsale.api.pages.Pages;
import io.flashsale.api.payment.CheckoutRoutes;
import io.flashsale.api.payment.PaymentRoutes;
import io.flashsale.api.purchase.PurchaseRoutes;
import io.flashsale.api.sale.SaleEvents;
import io.flashsale.api.sale.SaleRoutes;
import io.flashsale.api.waitingroom.WaitingRoomRoutes;

/**
 * Every route of the API in one table, grouped by path, each a handler of one room with the role it needs (checked by
 * {@link io.flashsale.api.access.Access} before the handler runs). {@code metricsHere}: {@code /metrics} on this
 * port, as no listener of its own serves them.
 */
record ApiRoutes(SaleRoutes sales, SaleEvents events, AdminRoutes admin, PurchaseRoutes purchases,
                 CheckoutRoutes checkout, PaymentRoutes payments, WaitingRoomRoutes waitingRoom, SaleCreationRoutes saleCreation,
                 SaleMetricsRoutes saleMetrics, WaitingRoomChanges roomChanges, OrderUrlRoutes orderUrls,
                 CartRoutes cart, Pages pages, Health health, ApiMeters meters,
                 boolean metricsHere) {

  void define() {
    path("api", () -> {
      path("admin", () -> {
        path("sales", () -> {
          post(saleCreation::create, Role.ADMIN_OPERATE);
          get(admin::list, Role.ADMIN_VIEW);
          path("{saleId}", () -> {
            get("metrics", saleMetrics::metrics, Role.ADMIN_VIEW);
            post("end", admin::end, Role.ADMIN_OPERATE);
            patch("waiting-room", roomChanges::change, Role.ADMIN_OPERATE);
          });
        });
        get("reports", admin::reports, Role.ADMIN_VIEW);
        get("reports/{day}/{runId}/{file}", admin::reportFile, Role.ADMIN_VIEW);
        get("audit", admin::audit, Role.ADMIN_VIEW);
      });
      path("sales/{saleId}", () -> {
        get(sales::show);
        get("draw", sales::draw);
        get("events", events::stream);
        // No role: the purchase route asks for its buyer itself, after the checks that are cheaper than a token.
        post("purchases", purchases::submit);
        // A sale with hiddenOrderUrl takes purchases only here, at the path order-url reveals from its start.
        post("purchases/{secret}", purchases::submit);
        get("order-url", orderUrls::show);
        post("queue", waitingRoom::join, Role.BUYER);
        get("challenge", waitingRoom::challenge, Role.BUYER);
      });
      path("purchases/{requestId}", () -> {
        get(purchases::show, Role.BUYER);
        post("cancel", purchases::cancel, Role.BUYER);
        post("checkout", checkout::checkout, Role.BUYER);
      });
      get("queue/{queueToken}", waitingRoom::show, Role.BUYER);
      get("cart", cart::cart, Role.BUYER);
      post("orders", cart::place, Role.BUYER);
      get("orders/{orderId}", cart::show, Role.BUYER);
      post("payments/webhook", payments::webhook);
    });
    get("sales/{saleId}", pages::buyerPage);
    get("admin", pages::dashboard);
    get("cart", pages::cartPage);
    get("pages/{file}", pages::asset);
    path("health", () -> {
      get("live", health::live);
      get("ready", health::ready);
    });
    if (metricsHere) {
      get("metrics", meters::scrape, Role.METRICS);
    }
  }
}
