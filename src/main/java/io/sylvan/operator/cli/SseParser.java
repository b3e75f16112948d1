package io.sylvan.operator.cli;

import java.util.Iterator;

/**
 * Reads Server-Sent Events from the lines of a stream, as a browser's EventSource does: {@code
 * id:}, {@code event:} and {@code data:} fields up to a blank line; comment lines ({@code :}) are
 * keep-alives.
 */
public final class SseParser {

  /** Told each complete event. */
  public interface Handler {
    void event(String id, String event, String data);
  }

  private SseParser() {}

  /** Reads {@code lines} to their end, calling {@code handler} for each event with an id. */
  public static void parse(Iterator<String> lines, Handler handler) {
    String id = null;
    String event = null;
    StringBuilder data = null;
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.isEmpty()) {
        if (event != null && id != null && data != null) {
          handler.event(id, event, data.toString());
        }
        id = null;
        event = null;
        data = null;
      } else if (line.startsWith("id:")) {
        id = line.substring(3).trim();
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data = data == null ? new StringBuilder() : data.append('\n');
        data.append(line.substring(5).trim());
      }
    }
  }
}
