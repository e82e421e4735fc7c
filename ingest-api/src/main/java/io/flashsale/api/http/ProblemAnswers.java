package io.flashsale.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.RoutesConfig;
import io.javalin.http.Context;
import io.javalin.http.Header;
import io.javalin.http.HttpResponseException;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Every answer that is no success, in one problem+json shape: a {@link Problem} thrown by a handler, Javalin's own
 * (unknown route, wrong method, oversized body) and anything unexpected (500, logged, no detail given out).
 * Jetty's answers before a request reaches Javalin are {@link ServerProblems}'.
 */
public final class ProblemAnswers {
  private static final Logger log = LoggerFactory.getLogger(ProblemAnswers.class);

  private ProblemAnswers() {}

  /** Maps the exceptions of the handlers of {@code routes} to problem answers. */
  public static void install(RoutesConfig routes, ObjectMapper mapper) {
    routes.exception(Problem.class, (problem, ctx) -> answer(ctx, problem, mapper));
    routes.exception(HttpResponseException.class, (e, ctx) -> answer(ctx, fromJavalin(e, ctx), mapper));
    routes.exception(Exception.class, (e, ctx) -> {
      log.error("Unexpected error on {} {}", ctx.method(), ctx.path(), e);
      answer(ctx, new Problem(ErrorCode.INTERNAL, "Unexpected error"), mapper);
    });
  }

  private static void answer(Context ctx, Problem problem, ObjectMapper mapper) {
    problem.headers.forEach(ctx::header);
    try {
      ctx.status(problem.code.status).contentType(Problem.MEDIA_TYPE)
          .result(mapper.writeValueAsString(problem.body(ctx.path())));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A problem body is always serializable", e);
    }
  }

  /** Javalin's own answers (unknown route, wrong method, oversized body) in the same problem shape. */
  private static Problem fromJavalin(HttpResponseException e, Context ctx) {
    return switch (e.getStatus()) {
      case 404 -> new Problem(ErrorCode.NOT_FOUND, "No route " + ctx.method() + " " + ctx.path());
      case 405 -> new Problem(ErrorCode.METHOD_NOT_ALLOWED, ctx.method() + " is not allowed on " + ctx.path(),
          Map.of(Header.ALLOW, allowedMethods(e)), Map.of());
      case 413 -> new Problem(ErrorCode.PAYLOAD_TOO_LARGE, e.getMessage());
      case 415 -> new Problem(ErrorCode.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
      default -> e.getStatus() < 500
          ? new Problem(ErrorCode.VALIDATION, e.getMessage())
          : new Problem(ErrorCode.INTERNAL, "Unexpected error");
    };
  }

  /** The methods the path has routes for, as Javalin found them for its 405 (keyed for a browser or for JSON). */
  private static String allowedMethods(HttpResponseException e) {
    String available = e.getDetails().getOrDefault("availableMethods", e.getDetails().get("Available methods"));
    return available == null ? "" : Arrays.stream(available.split(","))
        .map(String::trim).filter(method -> !method.isEmpty()).distinct().sorted().collect(Collectors.joining(", "));
  }
}
