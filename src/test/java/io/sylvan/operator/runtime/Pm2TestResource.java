package io.sylvan.operator.runtime;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * A real PM2 7 (installed under {@code target/pm2}) with a PM2_HOME of its own for the Quarkus
 * tests: the user's {@code ~/.pm2} daemon is never touched, and this one is killed at the end.
 */
public class Pm2TestResource implements QuarkusTestResourceLifecycleManager {

  private Path home;

  @Override
  public Map<String, String> start() {
    try {
      home = Files.createTempDirectory("sylvan-pm2-home-");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return Map.of(
        "sylvan.pm2.command", TestTools.pm2().toString(), "sylvan.pm2.home", home.toString());
  }

  @Override
  public void stop() {
    if (home != null) {
      TestTools.pm2(home).killDaemon();
    }
  }
}
