package io.flashsale.api.http;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A request that ends in a problem+json answer (RFC 9457). Thrown from handlers and mapped to the
 * response in one place, so every 4xx/5xx has the same shape.
 */
public final class Problem extends RuntimeException {
  /** The media type of every problem answer, the API's and Jetty's own alike. */
  public static final String MEDIA_TYPE = "application/problem+json";

  public final ErrorCode code;
  /** Response headers that belong to the problem, e.g. Retry-After. */
  public final Map<String, String> headers;
  /** Extension members of the body, e.g. which readiness checks failed. */
  public final Map<String, Object> extensions;

  public Problem(ErrorCode code, String detail) {
    this(code, detail, Map.of(), Map.of());
  }

  public Problem(ErrorCode code, String detail, Map<String, String> headers, Map<String, Object> extensions) {
    super(detail, null, false, false); // a problem is an answer, not a fault: no stack trace
    this.code = code;
    this.headers = headers;
    this.extensions = extensions;
  }

  public String detail() {
    return getMessage();
  }

  /** The RFC 9457 body; {@code instance} is the request path. */
  public Map<String, Object> body(String instance) {
    var body = new LinkedHashMap<String, Object>();
    body.put("type", code.type());
    body.put("title", code.title);
    body.put("status", code.status);
    body.put("detail", detail());
    body.put("code", code.name());
    body.put("instance", instance);
    body.putAll(extensions);
    return body;
  }
}
