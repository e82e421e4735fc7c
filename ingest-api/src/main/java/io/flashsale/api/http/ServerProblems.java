package io.flashsale.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jetty.http.BadMessageException;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.AbstractConnector;
import org.eclipse.jetty.server.ConnectionFactory;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpChannelOverHttp;
import org.eclipse.jetty.server.HttpConnection;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.component.LifeCycle;

/**
 * The answers Jetty gives on its own, before a request reaches Javalin (a request line, URI or headers too
 * long or malformed, a framing it does not take) or outside Javalin's handlers, as problem+json with a
 * {@code code} like every other error. Installed as the server's error handler; {@link #install} also makes
 * the parser's 5xx answers to unreadable requests (505 for an unknown HTTP version) the 400 they are: bad input
 * never gets a 5xx.
 */
public final class ServerProblems extends ErrorHandler {
  private final ObjectMapper mapper;

  ServerProblems(ObjectMapper mapper) {
    this.mapper = mapper;
  }

  /** Installs the error handler and, once the server starts, the client-fault parsing on every HTTP/1.1 connector. */
  public static void install(Server server, ObjectMapper mapper) {
    server.setErrorHandler(new ServerProblems(mapper));
    server.addEventListener(new LifeCycle.Listener() {
      @Override
      public void lifeCycleStarting(LifeCycle event) {
        for (Connector connector : server.getConnectors()) {
          if (connector instanceof AbstractConnector abstractConnector) {
            List<ConnectionFactory> factories = new ArrayList<>();
            for (ConnectionFactory factory : abstractConnector.getConnectionFactories()) {
              factories.add(factory.getClass() == HttpConnectionFactory.class
                  ? new ClientFaultConnections((HttpConnectionFactory) factory) : factory);
            }
            abstractConnector.setConnectionFactories(factories);
          }
        }
      }
    });
  }

  /** HTTP/1.1 connections whose parser failures are answered with 400 where Jetty would say 5xx. */
  private static final class ClientFaultConnections extends HttpConnectionFactory {
    ClientFaultConnections(HttpConnectionFactory original) {
      super(original.getHttpConfiguration());
      setRecordHttpComplianceViolations(original.isRecordHttpComplianceViolations());
      setUseInputDirectByteBuffers(original.isUseInputDirectByteBuffers());
      setUseOutputDirectByteBuffers(original.isUseOutputDirectByteBuffers());
    }

    @Override
    public Connection newConnection(Connector connector, EndPoint endPoint) {
      HttpConnection connection = new HttpConnection(getHttpConfiguration(), connector, endPoint,
          isRecordHttpComplianceViolations()) {
        @Override
        protected HttpChannelOverHttp newHttpChannel() {
          return new HttpChannelOverHttp(this, getConnector(), getHttpConfiguration(), getEndPoint(), this) {
            @Override
            public void badMessage(BadMessageException failure) {
              super.badMessage(failure.getCode() >= 500
                  ? new BadMessageException(HttpStatus.BAD_REQUEST_400, failure.getReason(), failure) : failure);
            }
          };
        }
      };
      connection.setUseInputDirectByteBuffers(isUseInputDirectByteBuffers());
      connection.setUseOutputDirectByteBuffers(isUseOutputDirectByteBuffers());
      return configure(connection, connector, endPoint);
    }
  }

  /** A request Jetty's parser refused: the connection answers this body and closes. */
  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);
    return ByteBuffer.wrap(body(status, reason, null));
  }

  /** An error answered by the servlet container itself, e.g. for a URI it refuses to route. */
  @Override
  public void handle(String target, Request baseRequest, HttpServletRequest request, HttpServletResponse response)
      throws IOException {
    baseRequest.setHandled(true);
    if (response.isCommitted()) {
      return;
    }
    Object message = request.getAttribute(RequestDispatcher.ERROR_MESSAGE);
    byte[] body = body(response.getStatus(), message == null ? null : message.toString(), request.getRequestURI());
    response.resetBuffer();
    response.setContentType(Problem.MEDIA_TYPE);
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
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
