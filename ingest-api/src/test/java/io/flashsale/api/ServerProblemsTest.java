package io.flashsale.api;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.flashsale.api.http.ErrorCode;
import io.flashsale.api.http.JsonBodies;
import io.flashsale.api.http.Problem;
import io.flashsale.api.http.ServerProblems;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The error handler on a bare Jetty server: what Jetty answers by itself becomes problem+json with a code. */
class ServerProblemsTest {
  private Server server;
  private int port;

  @BeforeEach
  void startJetty() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void service(HttpServletRequest request, HttpServletResponse response) throws java.io.IOException {
        response.sendError(Integer.parseInt(request.getRequestURI().substring(1)), "said by the handler");
      }
    }), "/*");
    server.setHandler(context);
    ServerProblems.install(server, JsonBodies.strictMapper());
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void stopJetty() throws Exception {
    server.stop();
  }

  @Test
  void errorsSentByTheContainerAreProblems() throws Exception {
    JsonNode notFound = problem(exchange("GET /404 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 404);
    assertThat(notFound.path("code").asText()).isEqualTo(ErrorCode.NOT_FOUND.name());
    assertThat(notFound.path("detail").asText()).isEqualTo("said by the handler");
    assertThat(notFound.path("instance").asText()).isEqualTo("/404");
    JsonNode unavailable = problem(exchange("GET /503 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), 503);
    assertThat(unavailable.path("code").asText()).isEqualTo(ErrorCode.UNAVAILABLE.name());
  }

  @Test
  void requestsTheParserRefusesAreProblemsAndNever5xx() throws Exception {
    assertThat(problem(exchange("GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: x\r\n\r\n"), 414).path("code").asText())
        .isEqualTo(ErrorCode.URI_TOO_LONG.name());
    assertThat(problem(exchange("GET /200 HTTP/1.1\r\nHost: x\r\nX-Pad: " + "p".repeat(10_000) + "\r\n\r\n"), 431)
        .path("code").asText()).isEqualTo(ErrorCode.HEADERS_TOO_LARGE.name());
    // Jetty's own answer to an unknown version is 505; the fault is the client's
    assertThat(problem(exchange("GET /200 HTTP/7.0\r\nHost: x\r\n\r\n"), 400).path("code").asText())
        .isEqualTo(ErrorCode.BAD_REQUEST.name());
  }

  private static JsonNode problem(String answer, int status) throws Exception {
    assertThat(answer).startsWith("HTTP/1.1 " + status + " ");
    int headerEnd = answer.indexOf("\r\n\r\n");
    assertThat(answer.substring(0, headerEnd).toLowerCase(java.util.Locale.ROOT))
        .contains("content-type: " + Problem.MEDIA_TYPE);
    JsonNode problem = ApiFixture.JSON.readTree(answer.substring(headerEnd + 4));
    assertThat(problem.path("status").asInt()).isEqualTo(status);
    for (String member : new String[] {"type", "title", "detail", "code"}) {
      assertThat(problem.path(member).asText()).as(member).isNotBlank();
    }
    return problem;
  }

  private String exchange(String request) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(request.getBytes(StandardCharsets.ISO_8859_1));
      socket.shutdownOutput();
      InputStream in = socket.getInputStream();
      ByteArrayOutputStream answer = new ByteArrayOutputStream();
      in.transferTo(answer);
      return answer.toString(StandardCharsets.UTF_8);
    }
  }
}
