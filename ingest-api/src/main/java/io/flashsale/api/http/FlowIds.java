package io.flashsale.api.http;

import io.flashsale.schemas.InputRules;
import io.javalin.http.Context;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The buyer's flow, from first contact to payment: header {@value #HEADER}, 1-64 printable ASCII characters as the
 * buyer page keeps it for its visit. A request without one gets a new id, so every join, purchase and checkout has
 * a flow to follow; the id is answered in the same header either way, so a client that sent none can send it on.
 * It is a label for following a buyer's steps, never a credential: the routes that take it ask for their buyer as
 * before, and two buyers naming one flow only make their steps harder to tell apart in a report.
 */
public final class FlowIds {
  public static final String HEADER = "Flashsale-Flow";

  private FlowIds() {}

  /**
   * The flow of this request, sent or new, set on the answer. A malformed one is VALIDATION before anything is
   * written: read it before the route writes a record.
   */
  public static String of(Context ctx) {
    String flowId = valid(ctx.header(HEADER));
    if (flowId == null) {
      flowId = newFlowId();
    }
    ctx.header(HEADER, flowId);
    return flowId;
  }

  /**
   * A random (version 4) UUID from the thread's generator, not the secure one: a flow id is no secret, and the
   * purchase route makes one even for a click it answers "sold out" from a pre-rendered body, where a shared
   * SecureRandom would be the one lock every rushing click takes.
   */
  static String newFlowId() {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    long high = (random.nextLong() & ~0xF000L) | 0x4000L; // version 4
    long low = (random.nextLong() & 0x3FFFFFFFFFFFFFFFL) | 0x8000000000000000L; // IETF variant
    return new UUID(high, low).toString();
  }

  /** The header's flow id, or null when absent; VALIDATION unless 1-64 printable ASCII. */
  static String valid(String header) {
    String error = InputRules.flowId(HEADER, header);
    if (error != null) {
      throw new Problem(ErrorCode.VALIDATION, error);
    }
    return header;
  }
}
