package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Every pm2 command line as the argv it is: nothing here runs pm2. */
class Pm2CommandsTest {

  private final Pm2Commands pm2 = new Pm2Commands("/opt/sylvan/pm2");
  private final Path ecosystem = Path.of("/var/lib/sylvan/ecosystem.config.js");

  @Test
  void ecosystemCommandsStartOnlyTheOneAppAndReloadWithTheCallersEnvironment() {
    assertThat(pm2.startOrReload(ecosystem, "shop"))
        .containsExactly(
            "/opt/sylvan/pm2",
            "startOrReload",
            "/var/lib/sylvan/ecosystem.config.js",
            "--only",
            "shop",
            "--update-env");
    assertThat(pm2.start(ecosystem, "shop"))
        .containsExactly(
            "/opt/sylvan/pm2", "start", "/var/lib/sylvan/ecosystem.config.js", "--only", "shop");
  }

  @Test
  void aRelativeEcosystemFileIsMadeAbsolute() {
    assertThat(pm2.start(Path.of("ecosystem.config.js"), "shop").get(2))
        .isEqualTo(Path.of("ecosystem.config.js").toAbsolutePath().toString());
  }

  @Test
  void reloadsScaleAndLifecycleCommandsNameTheApp() {
    assertThat(pm2.reload("shop"))
        .containsExactly("/opt/sylvan/pm2", "reload", "shop", "--update-env");
    assertThat(pm2.reloadAll("shop", 4))
        .containsExactly("/opt/sylvan/pm2", "reload", "shop", "--update-env", "--parallel", "4");
    assertThat(pm2.scale("shop", 3)).containsExactly("/opt/sylvan/pm2", "scale", "shop", "3");
    assertThat(pm2.delete("shop")).containsExactly("/opt/sylvan/pm2", "delete", "shop");
    assertThat(pm2.stop("shop")).containsExactly("/opt/sylvan/pm2", "stop", "shop");
  }

  @Test
  void daemonCommandsTakeNoApp() {
    assertThat(pm2.jlist()).containsExactly("/opt/sylvan/pm2", "jlist");
    assertThat(pm2.kill()).containsExactly("/opt/sylvan/pm2", "kill");
    assertThat(pm2.version()).containsExactly("/opt/sylvan/pm2", "--version");
  }
}
