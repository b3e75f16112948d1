package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Rollback: restores the env file kept by the failed deployment's backup, so the release we go back
 * to runs with the variables it ran with.
 */
final class RestoreEnvStep implements Step {

  @Override
  public String name() {
    return "Restoring env file from backup";
  }

  @Override
  public Phase phase() {
    return Phase.ROLLBACK;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    Optional<Path> backup = ctx.backupPath();
    if (backup.isEmpty() || !Files.isRegularFile(backup.get().resolve(".env.local"))) {
      return Optional.of("no backup of the env file for this deployment");
    }
    return Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    Path from = ctx.backupPath().orElseThrow().resolve(".env.local");
    Path to = ctx.envFile();
    try {
      if (Files.isRegularFile(to) && Files.mismatch(from, to) == -1) {
        return "env file unchanged since the backup";
      }
      Path tmp = to.resolveSibling(to.getFileName() + ".restore");
      Files.copy(from, tmp, StandardCopyOption.REPLACE_EXISTING);
      Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      Files.move(tmp, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new StepFailure("RESTORE_ENV_FAILED", "cannot restore " + to + ": " + e.getMessage());
    }
    return "restored " + to.getFileName() + " from " + ctx.backupPath().get().getFileName();
  }
}
