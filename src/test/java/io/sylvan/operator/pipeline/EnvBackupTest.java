package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Age;
import io.sylvan.operator.runtime.AgeTest;
import io.sylvan.operator.runtime.CommandRunner;
import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DeploymentType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's "encrypt sensitive data in backups" for a hand-managed env file: encrypted to the
 * node's age recipient when the node has an identity, else plain with mode 600; and the rollback
 * restores either.
 */
class EnvBackupTest {

  static final String CONTENT = "DATABASE_URL=postgres://app:canary-Bk-4Rt7Yq@db/app\n";

  @TempDir Path work;

  private DeploymentContext context(EnvSecrets secrets) throws Exception {
    Path root = work.resolve("target");
    Files.createDirectories(root.resolve("shared"));
    Files.writeString(root.resolve("shared/.env.local"), CONTENT);
    String commit = "b".repeat(40);
    var spec =
        TestSpecs.parse("backup", TestSpecs.yaml("backup", "app", work, commit, root, 3000, ""));
    Toolbox tools =
        new Toolbox(
            CommandRunner.local(),
            null,
            null,
            null,
            work,
            null,
            null,
            Redactor.PATTERNS_ONLY,
            null,
            false,
            secrets);
    return new DeploymentContext(
        spec,
        commit,
        DeploymentType.UPDATE,
        DeployOptions.NONE,
        tools,
        new DeploymentLog(root.resolve("logs/deploy.log"), "backup"),
        1,
        root.resolve("releases/r"),
        Optional.empty());
  }

  @Test
  void aNodeWithAnIdentityKeepsTheEnvFileEncryptedToItselfAndTheRollbackDecryptsIt()
      throws Exception {
    Path identity = AgeTest.keygen(work.resolve("node.key"));
    DeploymentContext ctx =
        context(new EnvSecrets(Optional.of(identity), Optional.empty(), new Age()));

    Path backup = new Backups(ctx.root()).create(ctx);

    assertThat(backup.resolve(Backups.ENV_COPY)).doesNotExist();
    Path encrypted = backup.resolve(Backups.ENV_COPY_ENCRYPTED);
    assertThat(new String(Files.readAllBytes(encrypted), StandardCharsets.ISO_8859_1))
        .startsWith("age-encryption.org/v1")
        .doesNotContain("canary-Bk-4Rt7Yq");
    assertThat(new String(new Age().decrypt(identity, encrypted), StandardCharsets.UTF_8))
        .isEqualTo(CONTENT);

    Files.writeString(ctx.envFile(), "DATABASE_URL=changed-since\n");
    ctx.backupPath(backup);
    new RestoreEnvStep().run(ctx);

    assertThat(Files.readString(ctx.envFile())).isEqualTo(CONTENT);
    assertThat(RestoreEnvStepTest.perms(ctx.envFile())).isEqualTo("rw-------");
  }

  @Test
  void aNodeWithoutAnIdentityKeepsThePlainEnvFileWithMode600() throws Exception {
    DeploymentContext ctx = context(EnvSecrets.NONE);

    Path backup = new Backups(ctx.root()).create(ctx);

    assertThat(backup.resolve(Backups.ENV_COPY_ENCRYPTED)).doesNotExist();
    assertThat(Files.readString(backup.resolve(Backups.ENV_COPY))).isEqualTo(CONTENT);
    assertThat(RestoreEnvStepTest.perms(backup.resolve(Backups.ENV_COPY))).isEqualTo("rw-------");
  }
}
