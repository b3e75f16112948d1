package io.sylvan.operator.pipeline;

import static org.assertj.core.api.Assertions.assertThat;

import io.sylvan.operator.runtime.Redactor;
import io.sylvan.operator.state.DeploymentType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rollback's env file restore on a real file system: whatever an admin linked stays linked.
 * (The full rollback with a relative link runs in {@link UpdatePipelineTest}.)
 */
class RestoreEnvStepTest {

  @TempDir Path work;
  Path root;
  Path shared;
  DeploymentContext ctx;

  @BeforeEach
  void backupWithTheOldContent() throws IOException {
    root = work.resolve("target");
    shared = root.resolve("shared/.env.local");
    Files.createDirectories(shared.getParent());
    Path backup = Files.createDirectories(root.resolve("backups/backup_20260101_000000"));
    Files.writeString(backup.resolve(".env.local"), "DATABASE_URL=old\n");
    String commit = "a".repeat(40);
    var spec =
        TestSpecs.parse("restore", TestSpecs.yaml("restore", "app", work, commit, root, 3000, ""));
    ctx =
        new DeploymentContext(
            spec,
            commit,
            DeploymentType.ROLLBACK,
            DeployOptions.NONE,
            new Toolbox(null, null, null, null, work, null, null, Redactor.PATTERNS_ONLY, null),
            new DeploymentLog(root.resolve("logs/deploy.log"), "restore"),
            1,
            root.resolve("releases/r"),
            Optional.empty());
    ctx.backupPath(backup);
  }

  @Test
  void writesThroughAChainOfAbsoluteLinksAndKeepsBothLinks() throws Exception {
    Path admin = Files.createDirectories(work.resolve("etc/app")).resolve("app.env");
    Files.writeString(admin, "DATABASE_URL=new\n");
    Path middle = work.resolve("etc/current.env");
    Files.createSymbolicLink(middle, admin);
    Files.createSymbolicLink(shared, middle);

    String out = new RestoreEnvStep().run(ctx);

    assertThat(out).contains("through the symlink to " + admin);
    assertThat(Files.readSymbolicLink(shared)).isEqualTo(middle);
    assertThat(Files.readSymbolicLink(middle)).isEqualTo(admin);
    assertThat(Files.readString(admin)).isEqualTo("DATABASE_URL=old\n");
    assertThat(perms(admin)).isEqualTo("rw-------");
    try (var files = Files.list(admin.getParent())) {
      assertThat(files.map(p -> p.getFileName().toString())).containsExactly("app.env");
    }
  }

  @Test
  void createsTheTargetOfADanglingLinkInsteadOfReplacingTheLink() throws Exception {
    Path admin = Files.createDirectories(work.resolve("etc/app")).resolve("app.env");
    Files.createSymbolicLink(shared, admin);

    new RestoreEnvStep().run(ctx);

    assertThat(Files.isSymbolicLink(shared)).isTrue();
    assertThat(Files.readString(admin)).isEqualTo("DATABASE_URL=old\n");
    assertThat(perms(admin)).isEqualTo("rw-------");
  }

  @Test
  void replacesARegularEnvFileWithMode600() throws Exception {
    Files.writeString(shared, "DATABASE_URL=new\n");
    Files.setPosixFilePermissions(shared, PosixFilePermissions.fromString("rw-r--r--"));

    new RestoreEnvStep().run(ctx);

    assertThat(Files.isSymbolicLink(shared)).isFalse();
    assertThat(Files.readString(shared)).isEqualTo("DATABASE_URL=old\n");
    assertThat(perms(shared)).isEqualTo("rw-------");
  }

  @Test
  void refusesALinkLoopWithAClearMessage() throws Exception {
    Path other = work.resolve("loop.env");
    Files.createSymbolicLink(other, shared);
    Files.createSymbolicLink(shared, other);

    StepFailure f =
        org.junit.jupiter.api.Assertions.assertThrows(
            StepFailure.class, () -> new RestoreEnvStep().run(ctx));
    assertThat(f.code()).isEqualTo(FailureCode.RESTORE_ENV_FAILED);
    assertThat(f.getMessage()).contains("too many levels of symbolic links");
    assertThat(Files.isSymbolicLink(shared)).isTrue();
  }

  static String perms(Path p) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }
}
