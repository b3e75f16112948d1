package io.sylvan.operator.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * {@code GET /events} read on a thread of its own: each event, parsed, in the order it came. The
 * end of the stream (the operator dropped the connection or stopped) is an event of its own, {@link
 * #END}, so the reader can reconnect with the last id it saw.
 */
final class EventStream implements AutoCloseable {

  /** One event: its id, name and data. */
  record Received(long id, String event, JsonNode data) {

    long deploymentId() {
      return data.path("deploymentId").asLong(-1);
    }

    String text(String field) {
      JsonNode v = data.get(field);
      return v == null || v.isNull() ? null : v.asText();
    }
  }

  /** The stream ended. */
  static final Received END = new Received(-1, "end", OperatorClient.JSON.createObjectNode());

  private final BlockingQueue<Received> queue = new LinkedBlockingQueue<>();
  private final Stream<String> lines;
  private final Thread reader;

  private EventStream(Stream<String> lines) {
    this.lines = lines;
    this.reader = new Thread(this::read, "sylvanctl-events");
    reader.setDaemon(true);
    reader.start();
  }

  /** Connects to {@code path}; with {@code lastId}, the operator replays what came after it. */
  static EventStream open(OperatorClient client, String path, Long lastId) {
    return new EventStream(client.lines(path, lastId));
  }

  /** The next event, or null after {@code millis} without one. */
  Received poll(long millis) {
    try {
      return queue.poll(millis, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return END;
    }
  }

  private void read() {
    try {
      SseParser.parse(
          lines.iterator(),
          (id, event, data) -> queue.add(new Received(Long.parseLong(id), event, parse(data))));
    } catch (RuntimeException e) {
      // The connection broke: the same as its end.
    } finally {
      queue.add(END);
    }
  }

  private static JsonNode parse(String text) {
    try {
      return OperatorClient.JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    lines.close();
  }
}
