package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.Dotenv;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.spec.DeploySpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
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
    // A decrypted env file lives in each release: the serving one's values are the ones to mask.
    Path file =
        spec.spec().env().encrypted()
            ? spec.spec().target().current().resolve(EnvSecrets.RELEASE_ENV)
            : of(spec);
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
    return parse(Files.readString(file, StandardCharsets.UTF_8));
  }

  /** The values of a dotenv text (a decrypted env file, held in memory only). */
  public static Map<String, String> parse(String text) {
    return Dotenv.parse(text);
  }
}
