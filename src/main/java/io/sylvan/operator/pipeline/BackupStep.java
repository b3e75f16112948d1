package io.sylvan.operator.pipeline;

import java.io.IOException;
import java.util.Optional;

/**
 * The seed's create_backup: metadata, env file, lockfile and a reference to the serving release.
 */
final class BackupStep implements Step {

  @Override
  public String name() {
    return "Creating backup";
  }

  @Override
  public Phase phase() {
    return Phase.PRE_DEPLOY;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    if (!ctx.s().backup().enabled()) {
      return Optional.of("backups are disabled in the spec (backup.enabled: false)");
    }
    if (ctx.options().skipBackup()) {
      return Optional.of("skipped by the skip-backup option");
    }
    return Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    try {
      Backups backups = new Backups(ctx.root());
      var created = backups.create(ctx);
      ctx.backupPath(created);
      return "backup in " + created;
    } catch (IOException e) {
      throw new StepFailure(
          FailureCode.BACKUP_FAILED, "cannot create the backup: " + e.getMessage());
    }
  }
}
