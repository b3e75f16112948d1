package io.sylvan.operator.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** The node, npm and cp command lines as argv, and how a commit is shortened. */
class ToolCommandsTest {

  @Test
  void versionAsksTheToolItself() {
    assertThat(ToolCommands.version("node")).containsExactly("node", "--version");
    assertThat(ToolCommands.version("pnpm")).containsExactly("pnpm", "--version");
  }

  @Test
  void npmInstallsUnderThePrefixWithoutAuditOrFundingRequests() {
    assertThat(ToolCommands.npmInstall(Path.of("/var/lib/sylvan/tools"), "pm2@7.0.4"))
        .containsExactly(
            "npm",
            "install",
            "--no-audit",
            "--no-fund",
            "--prefix",
            "/var/lib/sylvan/tools",
            "pm2@7.0.4");
  }

  @Test
  void dependenciesAreHardLinkedAndTheBuildCacheIsCopiedWithItsTimes() {
    Path from = Path.of("/srv/app/releases/a/node_modules");
    Path to = Path.of("/srv/app/releases/b/node_modules");
    assertThat(ToolCommands.copyHardLinked(from, to))
        .containsExactly("cp", "-al", from.toString(), to.toString());
    assertThat(ToolCommands.copyKeepingTimes(from, to))
        .containsExactly(
            "cp", "-R", "--preserve=timestamps", "--reflink=auto", from.toString(), to.toString());
  }

  @Test
  void aCommitIsShortenedToTwelveCharactersAndAShortOneIsKept() {
    assertThat(Commits.short12("0123456789abcdef0123456789abcdef01234567"))
        .isEqualTo("0123456789ab");
    assertThat(Commits.short12("abc1234")).isEqualTo("abc1234");
    assertThat(Commits.short12(null, "none")).isEqualTo("none");
    assertThat(Commits.short12("0123456789abcdef", "-")).isEqualTo("0123456789ab");
  }
}
