package io.flashsale.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The crowd's watchers against a stub event stream (raw HTTP/1.1, a body without length): every stream must be
 * counted open on its first event and reached on its second, also when an event arrives in two reads, from every
 * source address asked for; the delays must be measured from the change, not from the start.
 */
class CrowdWatchersTest {
  private static final int STREAMS = 300;
  private static final int SOURCES = 3;
  private ServerSocket server;
  private final List<OutputStream> streams = new CopyOnWriteArrayList<>();
  private final Set<String> sourceAddresses = ConcurrentHashMap.newKeySet();

  @AfterEach
  void stop() throws IOException {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyStreamIsCountedOpenAndReachedFromEverySourceAddress() throws Exception {
    server = new ServerSocket(0, 1_000, InetAddress.getByName("127.0.0.1"));
    Thread accepting = new Thread(this::accept, "crowd-stub");
    accepting.setDaemon(true);
    accepting.start();
    URI url = URI.create("http://127.0.0.1:" + server.getLocalPort() + "/api/sales/crowd/events");

    try (CrowdWatchers crowd = new CrowdWatchers(url, STREAMS, SOURCES)) {
      crowd.open(Duration.ofSeconds(30), opened -> { });
      assertThat(crowd.opened()).isEqualTo(STREAMS);
      assertThat(crowd.failed()).isZero();
      assertThat(sourceAddresses).containsExactlyInAnyOrder("127.0.0.1", "127.0.0.2", "127.0.0.3");

      // Nothing has changed yet: a crowd waiting for the change sees none of it.
      CrowdWatchers.Result early = crowd.awaitChange(CrowdWatchers.nowMicros(), Duration.ofMillis(300));
      assertThat(early.reached()).isZero();

      Thread.sleep(200);
      long changeMicros = CrowdWatchers.nowMicros();
      Thread.sleep(100); // the change takes at least this long to arrive
      for (OutputStream stream : streams) {
        write(stream, ": keep-alive\n\nevent: sa"); // an event split in the middle of its name
      }
      Thread.sleep(50); // so that the halves arrive in reads of their own
      for (OutputStream stream : streams) {
        write(stream, "le\ndata: {\"remaining\":999}\n\n");
      }
      CrowdWatchers.Result seen = crowd.awaitChange(changeMicros, Duration.ofSeconds(30));
      assertThat(seen.streams()).isEqualTo(STREAMS);
      assertThat(seen.reached()).isEqualTo(STREAMS);
      assertThat(seen.firstMicros()).isGreaterThanOrEqualTo(100_000);
      assertThat(seen.p50Micros()).isBetween(seen.firstMicros(), seen.maxMicros());
      assertThat(seen.maxMicros()).isLessThan(30_000_000);
    }
  }

  /** Answers each connection's request with the start of an event stream, the sale as it is. */
  private void accept() {
    try {
      while (!server.isClosed()) {
        Socket socket = server.accept();
        socket.setTcpNoDelay(true);
        InputStream in = socket.getInputStream();
        String request = "";
        while (!request.endsWith("\r\n\r\n")) {
          request += (char) in.read();
        }
        assertThat(request).startsWith("GET /api/sales/crowd/events HTTP/1.1");
        sourceAddresses.add(socket.getInetAddress().getHostAddress());
        OutputStream out = socket.getOutputStream();
        write(out, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nevent: sale\ndata: {\"remaining\":1000}\n\n");
        streams.add(out);
      }
    } catch (IOException e) {
      // closed at the end of the test
    }
  }

  private static void write(OutputStream stream, String text) throws IOException {
    stream.write(text.getBytes(StandardCharsets.UTF_8));
    stream.flush();
  }
}
