package io.flashsale.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.ByteBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.eclipse.jetty.http.HttpException;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * The answers Jetty gives on its own, before a request reaches Javalin (a request line, URI or headers too
 * long or malformed, a framing it does not take) or outside Javalin's handlers (a servlet {@code sendError}), as
 * problem+json with a {@code code} like every other error. Installed as the server's error handler, which Jetty
 * also uses for the servlet context (it has none of its own). The parser's 5xx answers to unreadable requests (505
 * for an unknown HTTP version) become the 400 they are: bad input never gets a 5xx.
 */
public final class ServerProblems extends ErrorHandler {
  private final ObjectMapper mapper;

  ServerProblems(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Installs the error handler on the server (before it starts). */
  public static void install(Server server, ObjectMapper mapper) {
    server.setErrorHandler(new ServerProblems(mapper));
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    Object message = request.getAttribute(ERROR_MESSAGE);
    String instance = request.getHttpURI() == null ? null : request.getHttpURI().getPath();
    if (request.getAttribute(ERROR_EXCEPTION) instanceof HttpException refused) {
      // A request Jetty could not or would not read: its URI is no resource to name, and the fault is the client's.
      status = refused.getCode() >= 500 ? HttpStatus.BAD_REQUEST_400 : refused.getCode();
      message = message == null ? refused.getReason() : message;
      instance = null;
    }
    byte[] body = body(status, message == null ? null : message.toString(), instance);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
    return true;
  }

  private byte[] body(int status, String reason, String instance) {
    ErrorCode code = ErrorCode.ofServerStatus(status);
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", code.type());
    body.put("title", code.title);
    body.put("status", status);
    String detail = reason == null || reason.isBlank() ? HttpStatus.getMessage(status) : reason;
    body.put("detail", detail == null ? code.title : detail);
    body.put("code", code.name());
    if (instance != null) {
      body.put("instance", instance);
    }
    try {
      return mapper.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("A problem body is always serializable", e);
    }
  }
}
