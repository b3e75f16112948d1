package io.sylvan.operator.runtime;

import java.nio.file.Path;

/** External tools the runtime tests need, installed project-locally once per checkout. */
public final class TestTools {

  public static final String PM2_VERSION = Pm2Installer.VERSION;

  private TestTools() {}

  /**
   * The pm2 executable under {@code target/pm2}, installed with npm on first use. Tests must run it
   * with their own {@code PM2_HOME} (see {@link #pm2(Path)}) and kill that daemon afterwards.
   */
  public static synchronized Path pm2() {
    return Pm2Installer.install(CommandRunner.local(), Path.of("target", "pm2"));
  }

  /** A client for the test pm2 talking to the daemon of {@code pm2Home}. */
  public static Pm2 pm2(Path pm2Home) {
    return new Pm2(CommandRunner.local(), pm2().toString(), java.util.Optional.of(pm2Home));
  }
}
