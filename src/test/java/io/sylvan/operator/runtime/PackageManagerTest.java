package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackageManagerTest {

  @TempDir Path dir;

  @Test
  void detectsTheInstallCommandFromTheLockfile() throws Exception {
    assertThat(PackageManager.detect(dir)).isEmpty();

    Files.writeString(dir.resolve("yarn.lock"), "");
    assertThat(PackageManager.detect(dir)).contains(PackageManager.YARN);
    assertThat(PackageManager.YARN.installArgv())
        .containsExactly("yarn", "install", "--frozen-lockfile");

    Files.delete(dir.resolve("yarn.lock"));
    Files.writeString(dir.resolve("pnpm-lock.yaml"), "");
    assertThat(PackageManager.detect(dir)).contains(PackageManager.PNPM);
    assertThat(PackageManager.PNPM.executable()).isEqualTo("pnpm");

    Files.delete(dir.resolve("pnpm-lock.yaml"));
    Files.writeString(dir.resolve("package-lock.json"), "{}");
    assertThat(PackageManager.detect(dir)).contains(PackageManager.NPM);
    assertThat(PackageManager.NPM.installArgv()).isEqualTo(List.of("npm", "ci"));
    assertThat(PackageManager.NPM.lockfile()).isEqualTo("package-lock.json");

    Files.writeString(dir.resolve("npm-shrinkwrap.json"), "{}");
    assertThat(PackageManager.detect(dir)).contains(PackageManager.NPM_SHRINKWRAP);
  }

  @Test
  void packageManagerFieldDecidesBetweenSeveralLockfiles() throws Exception {
    Files.writeString(dir.resolve("package-lock.json"), "{}");
    Files.writeString(dir.resolve("pnpm-lock.yaml"), "");
    Files.writeString(dir.resolve("package.json"), "{\"packageManager\": \"pnpm@9.1.0\"}");
    assertThat(PackageManager.detect(dir)).contains(PackageManager.PNPM);
  }

  @Test
  void reportsTheVersionOfAnInstalledTool() {
    assertThat(PackageManager.NPM.version(CommandRunner.local()))
        .hasValueSatisfying(v -> assertThat(v).matches("\\d+\\.\\d+\\.\\d+.*"));
  }
}
