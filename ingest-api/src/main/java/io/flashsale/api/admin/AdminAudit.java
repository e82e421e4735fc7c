package io.flashsale.api.admin;

import io.flashsale.api.access.Access;
import io.flashsale.api.access.Identity.Admin;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.log.TopicWriter;
import io.flashsale.schemas.AdminAction;
import io.flashsale.schemas.AdminAuditEvent;
import io.flashsale.schemas.Topics;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.router.Endpoint;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit trail of admin actions on {@code admin-audit}: who (the admin's name and role), what (the action, the
 * sale, the body's SHA-256 and the fields it set), from where (the client address, trusting only the configured
 * proxies, and the user agent) and the status answered; when is the record's broker time.
 *
 * <p>An action is recorded once it has succeeded, and its 2xx is sent only once the record is acknowledged, by the
 * same producer as every other write (idempotent, acks=all): an action answered 2xx is in the trail. If the record
 * cannot be written the answer is 503, although the action itself is durable, as with any 503 of the API. An
 * admin refused an action (403) is recorded without waiting: the refusal stands whether the record lands or not.
 * Bad input (4xx) and failed actions (5xx) are not recorded, since bad input writes nothing; nor are requests without
 * a valid admin token (401), which anyone could send.
 */
public final class AdminAudit {
  private static final Logger log = LoggerFactory.getLogger(AdminAudit.class);
  private static final int MAX_USER_AGENT = 512;
  /** The audited routes, by method and path template, as the route table names them. */
  private static final Map<String, AdminAction> ACTIONS = Map.of(
      "POST /api/admin/sales", AdminAction.CREATE_SALE,
      "POST /api/admin/sales/{saleId}/end", AdminAction.END_SALE,
      "PATCH /api/admin/sales/{saleId}/waiting-room", AdminAction.CHANGE_WAITING_ROOM);

  private final TopicWriter writer;
  private final Topics topics;
  private final Access access;
  private final Clock clock;

  public AdminAudit(TopicWriter writer, Topics topics, Access access, Clock clock) {
    this.writer = writer;
    this.topics = topics;
    this.access = access;
    this.clock = clock;
  }

  /**
   * Completes when {@code done} (the action, which has set the answer's status) has completed and its audit record
   * on {@code saleId} with {@code changes} is acknowledged; fails as {@code done} does, or UNAVAILABLE.
   */
  public <T> CompletableFuture<T> after(Context ctx, String saleId, Map<String, String> changes, CompletableFuture<T> done) {
    return done.thenCompose(result -> write(event(ctx, Access.admin(ctx), saleId, changes, ctx.statusCode()))
        .thenApply(written -> result));
  }

  /** Records an admin refused an action; does not wait for the broker. */
  public void refused(Context ctx, Admin admin) {
    write(event(ctx, admin, ctx.pathParamMap().get("saleId"), Map.of(), ErrorCode.FORBIDDEN.status))
        .exceptionally(error -> {
          log.warn("The refusal of {} on {} {} is not in the audit trail: {}", admin.name(), ctx.method(), ctx.path(),
              error.toString());
          return null;
        });
  }

  private CompletableFuture<?> write(AdminAuditEvent event) {
    return writer.write(topics.adminAudit, event.getActor(), event);
  }

  private AdminAuditEvent event(Context ctx, Admin admin, String saleId, Map<String, String> changes, int status) {
    Endpoint matched = ctx.endpoints().matchedHttpEndpoint(); // known in beforeMatched too, where refusals are
    String route = ctx.method().name() + " " + (matched == null ? "" : matched.path);
    String userAgent = ctx.header(Header.USER_AGENT);
    return AdminAuditEvent.newBuilder()
        .setActor(admin.name()).setIssuer(admin.issuer()).setRole(admin.role())
        .setAction(ACTIONS.getOrDefault(route, AdminAction.UNKNOWN))
        .setMethod(ctx.method().name()).setPath(ctx.path()).setSaleId(saleId)
        .setBodySha256(bodySha256(ctx)).setChanges(Map.copyOf(changes))
        .setClientAddress(access.clientAddress(ctx))
        .setUserAgent(userAgent == null || userAgent.length() <= MAX_USER_AGENT ? userAgent
            : userAgent.substring(0, MAX_USER_AGENT))
        .setStatus(status).setRequestedAt(clock.instant())
        .build();
  }

  /** The body as received, or null without one (or one the server would not read, such as an oversized one). */
  private static String bodySha256(Context ctx) {
    byte[] body = JsonBodies.readBytes(ctx);
    try {
      if (body == null) { // a route that parsed no JSON (an end), or a refusal before the route
        body = ctx.bodyAsBytes();
      }
    } catch (RuntimeException e) {
      return null;
    }
    if (body.length == 0) {
      return null;
    }
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(body));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("Every JVM has SHA-256", e);
    }
  }

  /** The audited fields of a request, as text; nulls left out. */
  public static Map<String, String> fields(Object... namesAndValues) {
    Map<String, String> fields = new LinkedHashMap<>();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      if (namesAndValues[i + 1] != null) {
        fields.put((String) namesAndValues[i], String.valueOf(namesAndValues[i + 1]));
      }
    }
    return fields;
  }
}
