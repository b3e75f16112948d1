package io.sylvan.operator.runtime;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** External tools the runtime tests need, installed project-locally once per checkout. */
public final class TestTools {

  public static final String PM2_VERSION = "7.0.4";

  private TestTools() {}

  /**
   * The pm2 executable under {@code target/pm2}, installed with npm on first use. Tests must run it
   * with their own {@code PM2_HOME} (see {@link #pm2(Path)}) and kill that daemon afterwards.
   */
  public static synchronized Path pm2() {
    Path prefix = Path.of("target", "pm2").toAbsolutePath();
    Path pm2 = prefix.resolve("node_modules/.bin/pm2");
    if (Files.isExecutable(pm2)) {
      return pm2;
    }
    CommandResult result =
        CommandRunner.local()
            .run(
                Command.builder(
                        "npm",
                        "install",
                        "--no-audit",
                        "--no-fund",
                        "--prefix",
                        prefix.toString(),
                        "pm2@" + PM2_VERSION)
                    .timeout(Duration.ofMinutes(5))
                    .build());
    if (!result.ok() || !Files.isExecutable(pm2)) {
      throw new IllegalStateException("cannot install pm2: " + result.describe());
    }
    return pm2;
  }

  /** A client for the test pm2 talking to the daemon of {@code pm2Home}. */
  public static Pm2 pm2(Path pm2Home) {
    return new Pm2(CommandRunner.local(), pm2().toString(), java.util.Optional.of(pm2Home));
  }
}
