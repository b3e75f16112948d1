package io.sylvan.operator.api;

import io.sylvan.operator.cli.SseParser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
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
    try {
      Iterator<String> it = lines.iterator();
      Iterator<String> recorded =
          new Iterator<>() {
            @Override
            public boolean hasNext() {
              return it.hasNext();
            }

            @Override
            public String next() {
              String line = it.next();
              rawLines.add(line);
              return line;
            }
          };
      SseParser.parse(
          recorded, (id, event, data) -> events.add(new Received(Long.parseLong(id), event, data)));
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
