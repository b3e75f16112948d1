package io.sylvan.operator.pipeline;

import io.sylvan.operator.runtime.CommandResult;
import io.sylvan.operator.spec.CommandLine;
import io.sylvan.operator.spec.DeploySpec;
import java.util.Optional;

/**
 * Seed scenario 4: the database backup command, then the migration, in the new release with the env
 * file's variables. Never retried (seed: migrations run once), and a failure halts before the app
 * changes.
 */
final class MigrateStep implements Step {

  @Override
  public String name() {
    return "Running database migrations";
  }

  @Override
  public Phase phase() {
    return Phase.PRE_DEPLOY;
  }

  @Override
  public Optional<String> skipReason(DeploymentContext ctx) {
    return ctx.s().migrate() == null ? Optional.of("no spec.migrate") : Optional.empty();
  }

  @Override
  public String run(DeploymentContext ctx) throws StepFailure {
    DeploySpec.Migrate m = ctx.s().migrate();
    StringBuilder out = new StringBuilder();
    if (m.backupCommand() != null) {
      CommandResult r =
          ctx.run(
              CommandLine.split(m.backupCommand()), ctx.releaseDir(), ctx.envValues(), m.timeout());
      out.append(r.output());
      if (!r.ok()) {
        throw new StepFailure(
            FailureCode.DB_BACKUP_FAILED, "database backup failed: " + r.describe(), r.tail(4000));
      }
    }
    CommandResult r =
        ctx.run(CommandLine.split(m.command()), ctx.releaseDir(), ctx.envValues(), m.timeout());
    out.append(r.output());
    if (!r.ok()) {
      throw new StepFailure(
          FailureCode.MIGRATION_FAILED, "migration failed: " + r.describe(), r.tail(4000));
    }
    return out.toString();
  }
}
