package io.flashsale.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.flashsale.schemas.Sale;
import io.javalin.http.Context;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * The answers to a click on a sale that takes none (not started, ended, sold out), rendered once per sale
 * and kept: in a sold-out rush nearly every click gets one, and building it by throwing a {@link Problem}
 * and serializing it with Jackson each time was a large part of the edge's cost. Bodies are the same
 * problem+json as every other error's.
 */
public final class ClosedSaleAnswers {
  private record Key(ErrorCode code, String saleId, String instance) {}

  private final ObjectMapper mapper;
  private final Function<Sale, Instant> closesAt;
  // Three codes per sale and route: small, and a sale's answers never change once given (its id and start are
  // fixed, and it closes once: at its end, or earlier when an admin ends it, which is known before it is ENDED).
  private final Map<Key, byte[]> rendered = new ConcurrentHashMap<>();

  public ClosedSaleAnswers(ObjectMapper mapper, Function<Sale, Instant> closesAt) {
    this.mapper = mapper;
    this.closesAt = closesAt;
  }

  /** Writes the answer for {@code code} on {@code sale}; {@code instance} is the request path, as in every problem. */
  public void write(Context ctx, ErrorCode code, Sale sale, String instance) {
    byte[] body = rendered.computeIfAbsent(new Key(code, sale.getSaleId(), instance), key -> render(key, sale));
    ctx.status(code.status).contentType(Problem.MEDIA_TYPE).result(body);
  }

  /** The same answer as a problem to throw, where the path to it is not the hot one. */
  public Problem problem(ErrorCode code, Sale sale) {
    return new Problem(code, detail(code, sale));
  }

  private byte[] render(Key key, Sale sale) {
    try {
      return mapper.writeValueAsBytes(problem(key.code(), sale).body(key.instance()));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A problem body is always serializable", e);
    }
  }

  private String detail(ErrorCode code, Sale sale) {
    return switch (code) {
      case SALE_NOT_STARTED -> "Sale " + sale.getSaleId() + " starts at " + sale.getStartsAt();
      case SALE_ENDED -> "Sale " + sale.getSaleId() + " ended at " + closesAt.apply(sale);
      case SOLD_OUT -> "Sale " + sale.getSaleId() + " is sold out";
      default -> throw new IllegalArgumentException(code + " does not close a sale");
    };
  }
}
