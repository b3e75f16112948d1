package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Reads a dotenv file ({@code KEY=value}, quotes, comments, {@code export }). Never logs values.
 */
public final class EnvFile {

  private EnvFile() {}

  /** The environment's env file: {@code spec.env.file} under {@code target.root}. */
  public static Path of(DeploySpec spec) {
    return spec.spec().target().root().resolve(spec.spec().env().file());
  }

  /**
   * {@code base} plus the values of the environment's env file, for redacting what the app or a
   * command of this environment returns. A missing or unreadable file adds nothing.
   */
  public static Redactor redactor(Redactor base, DeploySpec spec) {
    Path file = of(spec);
    if (!Files.isRegularFile(file)) {
      return base;
    }
    try {
      return base.with(read(file).values());
    } catch (IOException | RuntimeException e) {
      return base;
    }
  }

  public static Map<String, String> read(Path file) throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    for (String raw : Files.readAllLines(file, StandardCharsets.UTF_8)) {
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
