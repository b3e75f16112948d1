package io.sylvan.operator.runtime;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Parses dotenv text ({@code KEY=value}, quotes, comments, {@code export }) as the operator reads
 * env files; shared with {@code sylvanctl validate --secrets}. Never logs values.
 */
public final class Dotenv {

  private Dotenv() {}

  /** The keys and values of {@code text}, in file order. */
  public static Map<String, String> parse(String text) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String raw : text.split("\\r?\\n")) {
      String line = raw.strip();
      if (line.isEmpty() || line.startsWith("#")) {
        continue;
      }
      if (line.startsWith("export ")) {
        line = line.substring("export ".length()).strip();
      }
      int eq = line.indexOf('=');
      if (eq <= 0) {
        continue;
      }
      String key = line.substring(0, eq).strip();
      String value = line.substring(eq + 1).strip();
      if (value.length() >= 2
          && (value.startsWith("\"") && value.endsWith("\"")
              || value.startsWith("'") && value.endsWith("'"))) {
        value = value.substring(1, value.length() - 1);
      } else {
        int hash = value.indexOf(" #");
        if (hash >= 0) {
          value = value.substring(0, hash).strip();
        }
      }
      values.put(key, value);
    }
    return values;
  }
}
