package io.sylvan.operator.api;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * A client of {@code GET /events} over the JDK HTTP client, as a browser's EventSource reads it:
 * each event (id, name, data) and each comment line, in the order they arrive; every raw line is
 * kept too, for searching the whole stream for secrets.
 */
final class SseStream implements AutoCloseable {

  /** One received event. */
  record Received(long id, String event, String data) {}

  final BlockingQueue<Received> events = new LinkedBlockingQueue<>();
  final List<String> rawLines = java.util.Collections.synchronizedList(new ArrayList<>());
  final int status;
  private final Thread reader;
  private final Stream<String> lines;

  SseStream(URI uri, Long lastEventId) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(uri).header("Accept", "text/event-stream").GET();
    if (lastEventId != null) {
      request.header("Last-Event-ID", Long.toString(lastEventId));
    }
    HttpResponse<Stream<String>> response =
        HttpClient.newHttpClient()
            .sendAsync(request.build(), HttpResponse.BodyHandlers.ofLines())
            .get(30, TimeUnit.SECONDS);
    status = response.statusCode();
    lines = response.body();
    reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    String id = null;
    String event = null;
    StringBuilder data = null;
    try {
      for (var it = lines.iterator(); it.hasNext(); ) {
        String line = it.next();
        rawLines.add(line);
        if (line.isEmpty()) {
          if (event != null) {
            events.add(new Received(Long.parseLong(id), event, data.toString()));
          }
          id = null;
          event = null;
          data = null;
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("event:")) {
          event = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data = (data == null ? new StringBuilder() : data.append('\n'));
          data.append(line.substring(5).trim());
        }
      }
    } catch (RuntimeException closed) {
      // The stream was closed by the test.
    }
  }

  /** Events up to and including the first that {@code last} accepts. */
  List<Received> until(Predicate<Received> last, Duration timeout) throws InterruptedException {
    List<Received> got = new ArrayList<>();
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      Received r = events.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
      if (r == null) {
        throw new AssertionError("no matching event in " + timeout + "; got " + got);
      }
      got.add(r);
      if (last.test(r)) {
        return got;
      }
    }
  }

  @Override
  public void close() {
    lines.close();
    reader.interrupt();
  }
}
