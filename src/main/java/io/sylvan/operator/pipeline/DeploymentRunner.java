package io.sylvan.operator.pipeline;

import io.sylvan.operator.reconcile.OperatorMetrics;
import io.sylvan.operator.reconcile.Reasons;
import io.sylvan.operator.runtime.Commits;
import io.sylvan.operator.runtime.FileTrees;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.AppHealth;
import io.sylvan.operator.state.Condition;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentLock;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.StepStatus;
import io.sylvan.operator.state.SyncStatus;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Runs the update pipeline for one environment and, when a deploy or post-deploy step fails, the
 * automatic rollback to the last good release. Every deployment and step is recorded as it happens;
 * no database transaction is open while a step runs.
 */
@ApplicationScoped
public class DeploymentRunner {

  private static final Logger LOG = Logger.getLogger(DeploymentRunner.class);
  private static final DateTimeFormatter LOG_TS = DateTimeFormatter.ofPattern("yyyyMMdd_HHmmss");

  /** The error code of a deployment cut short because the operator was stopped (SIGTERM). */
  public static final String OPERATOR_STOPPED = "OPERATOR_STOPPED";

  /** Identifies this operator process in deployment rows (crash recovery). */
  public static final String OPERATOR_ID = ManagementFactory.getRuntimeMXBean().getName();

  @Inject DeploymentRecorder recorder;
  @Inject EnvironmentService environments;
  @Inject EnvironmentLock locks;
  @Inject ToolboxProducer toolbox;
  @Inject OperatorMetrics metrics;

  /** The environment is being deployed by another run (here or in another operator instance). */
  public static class BusyException extends Exception {
    public BusyException(String environment) {
      super("a deployment of " + environment + " is already running");
    }
  }

  /**
   * Creates the deployment row and takes the environment lock for an update to {@code commit}.
   * Throws {@link BusyException} when another run holds the lock.
   */
  public PreparedDeployment prepareUpdate(
      DeploySpec spec, String commit, DeployOptions options, Trigger trigger, String specRevision)
      throws BusyException {
    EnvironmentLock.Held lock = lock(spec.environment());
    try {
      Releases releases = new Releases(spec.spec().target().root());
      Optional<Path> serving = releases.current();
      DeploymentType type = serving.isEmpty() ? DeploymentType.INITIAL : DeploymentType.UPDATE;
      Path releaseDir = releases.newReleaseDir(commit);
      DeploymentContext ctx =
          start(
              new Plan(
                  spec, commit, type, options, trigger, specRevision, releaseDir, serving, null),
              newLog(spec));
      return new PreparedDeployment(ctx, PipelineSteps.update(), lock, null);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Prepares making an already built release serve again, without rebuilding: a manual rollback
   * ({@code type} rollback) or the correction of drift ({@code type} update).
   */
  public PreparedDeployment prepareActivation(
      DeploySpec spec,
      String commit,
      Path release,
      DeploymentType type,
      Trigger trigger,
      String specRevision,
      Long rollbackOf)
      throws BusyException {
    EnvironmentLock.Held lock = lock(spec.environment());
    try {
      Optional<Path> serving = new Releases(spec.spec().target().root()).current();
      DeploymentContext ctx =
          start(
              new Plan(
                  spec,
                  commit,
                  type,
                  DeployOptions.NONE,
                  trigger,
                  specRevision,
                  release,
                  serving,
                  rollbackOf),
              newLog(spec));
      return new PreparedDeployment(ctx, PipelineSteps.activate(false), lock, rollbackOf);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /** Runs a prepared deployment to its end, rollback included, then releases the lock. */
  public DeploymentOutcome execute(PreparedDeployment prepared) {
    long t0 = System.nanoTime();
    DeploymentOutcome outcome = run(prepared);
    metrics.deployment(
        prepared.context().environment(),
        outcome.result(),
        Duration.ofNanos(System.nanoTime() - t0));
    return outcome;
  }

  private DeploymentOutcome run(PreparedDeployment prepared) {
    DeploymentContext ctx = prepared.context();
    try (EnvironmentLock.Held lock = prepared.lock();
        DeploymentLog log = ctx.log()) {
      if (ctx.type() == DeploymentType.ROLLBACK) {
        Optional<Failure> failure = runSteps(ctx, prepared.steps(), Phase.ROLLBACK);
        return stoppedBy(failure) ? stopped(ctx, failure.get()) : finishActivation(ctx, failure);
      }
      boolean activation = prepared.steps().size() < PipelineSteps.update().size();
      log.info(
          "Starting "
              + (activation ? "activation of" : ctx.type().wire() + " deployment of")
              + " "
              + ctx.commit()
              + " to "
              + ctx.environment()
              + optionsText(ctx.options()));
      Optional<Failure> failure = runSteps(ctx, prepared.steps(), null);
      if (stoppedBy(failure)) {
        return stopped(ctx, failure.get());
      }
      return failure.isEmpty() ? succeed(ctx) : fail(ctx, failure.get());
    } catch (RuntimeException e) {
      // Interrupted while recording: clear the flag so the record below reaches the database.
      boolean stopping = Thread.interrupted();
      LOG.errorf(e, "deployment %d of %s crashed", ctx.deploymentId(), ctx.environment());
      recorder.finish(
          ctx.deploymentId(),
          DeploymentStatus.FAILED,
          d -> {
            d.errorCode = stopping ? OPERATOR_STOPPED : "INTERNAL";
            d.errorMessage = ctx.log().redacted(String.valueOf(e.getMessage()));
          });
      return new DeploymentOutcome(
          ctx.deploymentId(), DeploymentOutcome.Result.HALTED, "INTERNAL", e.getMessage(), null);
    }
  }

  private record Failure(Step step, Phase phase, StepFailure error) {}

  private Optional<Failure> runSteps(DeploymentContext ctx, List<Step> steps, Phase phaseOverride) {
    int seq = 0;
    for (Step step : steps) {
      seq++;
      Phase phase = phaseOverride != null ? phaseOverride : step.phase();
      if (Thread.interrupted()) {
        // The operator is stopping: stop at this step boundary.
        return Optional.of(
            new Failure(
                step,
                step.phase(),
                new StepFailure(OPERATOR_STOPPED, "the operator was stopped before this step")));
      }
      Optional<String> skip = step.skipReason(ctx);
      if (skip.isPresent()) {
        recorder.stepSkipped(ctx.deploymentId(), seq, step.name(), phase.name(), skip.get());
        ctx.log().info("Skipping: " + step.name() + " (" + skip.get() + ")");
        continue;
      }
      long stepId = recorder.stepStarted(ctx.deploymentId(), seq, step.name(), phase.name());
      long t0 = System.nanoTime();
      try {
        String output = step.run(ctx);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ctx.log().step(step.name(), took);
        recorder.stepFinished(stepId, StepStatus.COMPLETED, ctx.log().redacted(output), null);
      } catch (StepFailure f) {
        if (Thread.interrupted()) {
          return Optional.of(stepStopped(ctx, step, stepId, f.output()));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ctx.log().step(step.name() + " FAILED", took);
        ctx.log().error(step.name() + ": " + f.getMessage());
        recorder.stepFinished(
            stepId,
            StepStatus.FAILED,
            ctx.log().redacted(f.output()),
            ctx.log().redacted(f.getMessage()));
        return Optional.of(new Failure(step, step.phase(), f));
      } catch (RuntimeException e) {
        if (Thread.interrupted()) {
          return Optional.of(stepStopped(ctx, step, stepId, null));
        }
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        ctx.log().error(step.name() + ": " + message);
        recorder.stepFinished(stepId, StepStatus.FAILED, null, ctx.log().redacted(message));
        return Optional.of(new Failure(step, step.phase(), new StepFailure("INTERNAL", message)));
      }
    }
    return Optional.empty();
  }

  /**
   * The operator is stopping (SIGTERM interrupts the pipeline worker; a running command was killed
   * with its process tree): the step is recorded as failed, with the flag cleared so the records
   * reach the database before it stops. The flag is not set again: the worker's pool is shutting
   * down, and the reconcile that ran this still records its outcome.
   */
  private Failure stepStopped(DeploymentContext ctx, Step step, long stepId, String output) {
    String message = "the operator was stopped during this step";
    ctx.log().error(step.name() + ": " + message);
    recorder.stepFinished(stepId, StepStatus.FAILED, ctx.log().redacted(output), message);
    return new Failure(step, step.phase(), new StepFailure(OPERATOR_STOPPED, message));
  }

  private static boolean stoppedBy(Optional<Failure> failure) {
    return failure.isPresent() && OPERATOR_STOPPED.equals(failure.get().error().code());
  }

  /**
   * Records a deployment cut short by the operator's stop as failed, without a rollback (the
   * operator is going away; the next start reconciles the environment again).
   */
  private DeploymentOutcome stopped(DeploymentContext ctx, Failure failure) {
    String message = failure.step().name() + ": " + failure.error().getMessage();
    recorder.finish(ctx.deploymentId(), DeploymentStatus.FAILED, d -> fillError(ctx, d, failure));
    environments.update(
        ctx.environment(),
        e -> {
          e.setCondition(
              Condition.RECONCILING,
              true,
              Reasons.OPERATOR_RESTARTED,
              message + "; reconciled again when the operator starts");
          e.observedAt = Instant.now();
        });
    ctx.log().warn("Deployment stopped (" + message + "); nothing is rolled back");
    return new DeploymentOutcome(
        ctx.deploymentId(), DeploymentOutcome.Result.HALTED, OPERATOR_STOPPED, message, null);
  }

  private DeploymentOutcome succeed(DeploymentContext ctx) {
    boolean checked = ctx.lastHealth().map(HealthReport::healthy).orElse(false);
    recorder.finish(ctx.deploymentId(), DeploymentStatus.SUCCESS, d -> fillResult(ctx, d));
    environments.update(
        ctx.environment(),
        e -> {
          e.actualCommit = ctx.commit();
          e.lastAppliedCommit = ctx.commit();
          if (checked) {
            e.lastGoodCommit = ctx.commit();
          }
          if (ctx.commit().equals(e.failedCommit) || ctx.commit().equals(e.desiredCommit)) {
            // The desired commit serves: an earlier failure no longer describes this environment.
            e.failedCommit = null;
          }
          e.sync =
              ctx.commit().equals(e.desiredCommit) ? SyncStatus.SYNCED : SyncStatus.OUT_OF_SYNC;
          e.health = checked ? AppHealth.HEALTHY : AppHealth.UNKNOWN;
          e.setCondition(
              Condition.READY,
              true,
              Reasons.RECONCILIATION_SUCCEEDED,
              "commit "
                  + ctx.shortCommit()
                  + " serves"
                  + (checked ? " and is healthy" : " (health check skipped)"));
          e.setCondition(Condition.RECONCILING, false, Reasons.RECONCILIATION_SUCCEEDED, "done");
          e.setCondition(Condition.STALLED, false, Reasons.RECONCILIATION_SUCCEEDED, "");
          e.observedAt = Instant.now();
        });
    ctx.log().info("Deployment completed successfully");
    prune(ctx);
    return new DeploymentOutcome(
        ctx.deploymentId(), DeploymentOutcome.Result.SUCCEEDED, null, "deployed", null);
  }

  private DeploymentOutcome fail(DeploymentContext ctx, Failure failure) {
    StepFailure f = failure.error();
    String message = ctx.log().redacted(f.getMessage());
    if (!failure.phase().rollsBackOnFailure()) {
      // Seed: pre-deploy and build errors halt; the serving release was never touched.
      recorder.finish(ctx.deploymentId(), DeploymentStatus.FAILED, d -> fillError(ctx, d, failure));
      deleteQuietly(ctx, ctx.releaseDir());
      environments.update(
          ctx.environment(),
          e -> {
            e.setCondition(
                Condition.READY,
                false,
                Reasons.DEPLOYMENT_FAILED,
                failure.step().name() + ": " + message);
            e.setCondition(
                Condition.RECONCILING,
                false,
                Reasons.DEPLOYMENT_FAILED,
                "halted in " + failure.phase());
            e.observedAt = Instant.now();
          });
      ctx.log()
          .error(
              "Deployment halted in " + failure.phase() + "; the previous release keeps serving");
      return new DeploymentOutcome(
          ctx.deploymentId(), DeploymentOutcome.Result.HALTED, f.code(), message, null);
    }
    if (ctx.options().force() && failure.phase() == Phase.POST_DEPLOY) {
      recorder.finish(
          ctx.deploymentId(),
          DeploymentStatus.SUCCESS,
          d -> {
            fillResult(ctx, d);
            fillError(ctx, d, failure);
            d.errorCode = "FORCED_" + f.code();
          });
      environments.update(
          ctx.environment(),
          e -> {
            e.actualCommit = ctx.commit();
            e.lastAppliedCommit = ctx.commit();
            e.sync =
                ctx.commit().equals(e.desiredCommit) ? SyncStatus.SYNCED : SyncStatus.OUT_OF_SYNC;
            e.health = AppHealth.DEGRADED;
            e.setCondition(
                Condition.READY,
                false,
                Reasons.HEALTH_CHECK_FAILED,
                "kept by the force option: " + message);
            e.setCondition(Condition.RECONCILING, false, Reasons.HEALTH_CHECK_FAILED, "forced");
            e.observedAt = Instant.now();
          });
      ctx.log().warn("Health check failed but the force option keeps " + ctx.shortCommit());
      return new DeploymentOutcome(
          ctx.deploymentId(), DeploymentOutcome.Result.FORCED, f.code(), message, null);
    }
    ctx.log().error("Deployment failed in " + failure.phase() + ": " + message);
    recorder.finish(ctx.deploymentId(), DeploymentStatus.FAILED, d -> fillError(ctx, d, failure));
    return rollBack(ctx, failure);
  }

  private DeploymentOutcome rollBack(DeploymentContext failed, Failure failure) {
    String message = failed.log().redacted(failure.error().getMessage());
    String env = failed.environment();
    boolean automatic = failed.s().rollback().automatic();
    Optional<Target> target = automatic ? rollbackTarget(failed) : Optional.empty();
    if (target.isEmpty()) {
      String why =
          automatic
              ? "no earlier release on disk to roll back to"
              : "automatic rollback is off (rollback.automatic: false)";
      failed.log().error("Not rolling back: " + why);
      environments.update(
          env,
          e -> {
            e.failedCommit = failed.commit();
            e.health = AppHealth.DEGRADED;
            e.actualCommit = null;
            e.setCondition(Condition.READY, false, Reasons.DEPLOYMENT_FAILED, message + "; " + why);
            e.setCondition(
                Condition.STALLED,
                true,
                Reasons.DEPLOYMENT_FAILED,
                "commit " + failed.shortCommit() + " failed and " + why);
            e.setCondition(Condition.RECONCILING, false, Reasons.DEPLOYMENT_FAILED, "stalled");
            e.observedAt = Instant.now();
          });
      return new DeploymentOutcome(
          failed.deploymentId(),
          DeploymentOutcome.Result.FAILED,
          failure.error().code(),
          message,
          null);
    }
    failed
        .log()
        .info(
            "Rolling back to "
                + target.get().commit
                + " ("
                + target.get().release.getFileName()
                + ")");
    DeploymentContext rb =
        start(
            new Plan(
                failed.spec(),
                target.get().commit,
                DeploymentType.ROLLBACK,
                DeployOptions.NONE,
                Trigger.AUTO_ROLLBACK,
                null,
                target.get().release,
                failed.releases().current(),
                failed.deploymentId()),
            failed.log());
    failed.backupPath().ifPresent(rb::backupPath);
    Releases.markFastDrain(failed.releaseDir());
    long t0 = System.nanoTime();
    Optional<Failure> rbFailure = runSteps(rb, PipelineSteps.activate(true), Phase.ROLLBACK);
    metrics.rollback(env, rbFailure.isEmpty(), Duration.ofNanos(System.nanoTime() - t0));
    recorder.markRolledBack(failed.deploymentId());
    if (rbFailure.isEmpty()) {
      recorder.finish(rb.deploymentId(), DeploymentStatus.SUCCESS, d -> fillResult(rb, d));
      deleteQuietly(failed, failed.releaseDir());
      environments.update(
          env,
          e -> {
            e.failedCommit = failed.commit();
            e.actualCommit = rb.commit();
            e.lastAppliedCommit = rb.commit();
            e.lastGoodCommit = rb.commit();
            e.sync =
                rb.commit().equals(e.desiredCommit) ? SyncStatus.SYNCED : SyncStatus.OUT_OF_SYNC;
            e.health = AppHealth.HEALTHY;
            String why =
                "commit "
                    + failed.shortCommit()
                    + " failed ("
                    + failure.step().name()
                    + ": "
                    + message
                    + ") and was rolled back to "
                    + rb.shortCommit();
            e.setCondition(Condition.READY, false, Reasons.ROLLED_BACK, why);
            e.setCondition(
                Condition.STALLED,
                true,
                Reasons.ROLLED_BACK,
                why + "; not retried until the spec names another commit");
            e.setCondition(Condition.RECONCILING, false, Reasons.ROLLED_BACK, "stalled");
            e.observedAt = Instant.now();
          });
      failed.log().success("Rollback to " + rb.commit() + " completed");
      return new DeploymentOutcome(
          failed.deploymentId(),
          DeploymentOutcome.Result.ROLLED_BACK,
          failure.error().code(),
          message,
          rb.deploymentId());
    }
    Failure rf = rbFailure.get();
    String rbMessage = rb.log().redacted(rf.error().getMessage());
    recorder.finish(rb.deploymentId(), DeploymentStatus.FAILED, d -> fillError(rb, d, rf));
    environments.update(
        env,
        e -> {
          e.failedCommit = failed.commit();
          e.health = AppHealth.DEGRADED;
          String why =
              "commit "
                  + failed.shortCommit()
                  + " failed and the rollback to "
                  + rb.shortCommit()
                  + " failed too: "
                  + rbMessage;
          e.setCondition(Condition.READY, false, Reasons.ROLLBACK_FAILED, why);
          e.setCondition(
              Condition.STALLED, true, Reasons.ROLLBACK_FAILED, why + "; a person must act");
          e.setCondition(Condition.RECONCILING, false, Reasons.ROLLBACK_FAILED, "stalled");
          e.observedAt = Instant.now();
        });
    failed.log().error("ROLLBACK FAILED: " + rbMessage + "; manual intervention needed");
    return new DeploymentOutcome(
        failed.deploymentId(),
        DeploymentOutcome.Result.ROLLBACK_FAILED,
        rf.error().code(),
        rbMessage,
        rb.deploymentId());
  }

  private DeploymentOutcome finishActivation(DeploymentContext ctx, Optional<Failure> failure) {
    if (failure.isEmpty()) {
      return succeed(ctx);
    }
    Failure f = failure.get();
    String message = ctx.log().redacted(f.error().getMessage());
    recorder.finish(ctx.deploymentId(), DeploymentStatus.FAILED, d -> fillError(ctx, d, f));
    environments.update(
        ctx.environment(),
        e -> {
          e.health = AppHealth.DEGRADED;
          e.setCondition(Condition.READY, false, Reasons.ROLLBACK_FAILED, message);
          e.setCondition(
              Condition.STALLED,
              true,
              Reasons.ROLLBACK_FAILED,
              "rollback to " + ctx.shortCommit() + " failed: " + message);
          e.observedAt = Instant.now();
        });
    return new DeploymentOutcome(
        ctx.deploymentId(),
        DeploymentOutcome.Result.ROLLBACK_FAILED,
        f.error().code(),
        message,
        null);
  }

  private record Target(String commit, Path release) {}

  /** The last good commit's release if on disk, else the release that served before. */
  private Optional<Target> rollbackTarget(DeploymentContext failed) {
    String lastGood =
        environments.find(failed.environment()).map(e -> e.lastGoodCommit).orElse(null);
    List<Target> candidates = new ArrayList<>();
    if (lastGood != null && !lastGood.equals(failed.commit())) {
      failed.releases().forCommit(lastGood).ifPresent(p -> candidates.add(new Target(lastGood, p)));
    }
    if (failed.servingRelease().isPresent()
        && failed.servingCommit().isPresent()
        && !failed.servingCommit().get().equals(failed.commit())) {
      candidates.add(new Target(failed.servingCommit().get(), failed.servingRelease().get()));
    }
    return candidates.stream().findFirst();
  }

  /** What one deployment row describes, before it runs. */
  private record Plan(
      DeploySpec spec,
      String commit,
      DeploymentType type,
      DeployOptions options,
      Trigger trigger,
      String specRevision,
      Path releaseDir,
      Optional<Path> serving,
      Long rollbackOf) {}

  /** {@code <root>/logs/deployments/deploy_<yyyyMMdd_HHmmss>.log}, the seed's name. */
  private static DeploymentLog newLog(DeploySpec spec) {
    Path logFile =
        spec.spec()
            .target()
            .root()
            .resolve("logs")
            .resolve("deployments")
            .resolve("deploy_" + LocalDateTime.now().format(LOG_TS) + ".log");
    return new DeploymentLog(logFile, spec.environment());
  }

  private DeploymentContext start(Plan plan, DeploymentLog log) {
    DeploySpec spec = plan.spec();
    String commit = plan.commit();
    DeploymentType type = plan.type();
    DeployOptions options = plan.options();
    Path releaseDir = plan.releaseDir();
    Optional<Path> serving = plan.serving();
    environments.update(
        spec.environment(),
        e -> {
          if (type != DeploymentType.ROLLBACK) {
            e.lastAttemptedCommit = commit;
            if (e.condition(Condition.STALLED).map(Condition::status).orElse(false)) {
              // An earlier failure's stall no longer describes the environment once this runs.
              e.setCondition(
                  Condition.STALLED,
                  false,
                  Reasons.PROGRESSING,
                  type.wire() + " to " + Commits.short12(commit) + " started");
            }
          }
          e.health = e.health == AppHealth.UNKNOWN ? AppHealth.PROGRESSING : e.health;
          e.setCondition(
              Condition.RECONCILING,
              true,
              Reasons.PROGRESSING,
              type.wire() + " to " + Commits.short12(commit));
        });
    Deployment d = new Deployment();
    d.environment = spec.environment();
    d.type = type;
    d.gitCommit = commit;
    d.previousCommit = serving.flatMap(Releases::revision).orElse(null);
    d.releaseDir = releaseDir.toString();
    d.logFile = log.file().toString();
    d.specRevision = plan.specRevision();
    d.trigger = plan.trigger();
    d.force = options.force();
    d.skipBackup = options.skipBackup();
    d.skipHealthCheck = options.skipHealthCheck();
    d.rollbackOf = plan.rollbackOf();
    d.operatorId = OPERATOR_ID;
    long id = recorder.start(d);
    return new DeploymentContext(
        spec, commit, type, options, toolbox.get(), log, id, releaseDir, serving);
  }

  private EnvironmentLock.Held lock(String environment) throws BusyException {
    try {
      return locks.tryLock(environment).orElseThrow(() -> new BusyException(environment));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot take the lock of " + environment + ": " + e.getMessage(), e);
    }
  }

  private static void fillResult(DeploymentContext ctx, Deployment d) {
    d.version = ctx.version().orElse(d.version);
    ctx.backupPath().ifPresent(p -> d.backupPath = p.toString());
  }

  private static void fillError(DeploymentContext ctx, Deployment d, Failure f) {
    fillResult(ctx, d);
    d.errorStep = f.step().name();
    d.errorMessage = ctx.log().redacted(f.error().getMessage());
    d.errorCode = f.error().code();
  }

  private void prune(DeploymentContext ctx) {
    String lastGood = environments.find(ctx.environment()).map(e -> e.lastGoodCommit).orElse(null);
    int keep = Math.max(ctx.s().backup().keep(), 2);
    List<Path> protect = new ArrayList<>();
    protect.add(ctx.releaseDir());
    ctx.releases().current().ifPresent(protect::add);
    if (lastGood != null) {
      ctx.releases().forCommit(lastGood).ifPresent(protect::add);
    }
    try {
      for (Path p : ctx.releases().prune(keep, protect)) {
        ctx.log().info("Removed old release " + p.getFileName());
      }
      List<String> commits = new ArrayList<>();
      commits.add(ctx.commit());
      if (lastGood != null) {
        commits.add(lastGood);
      }
      for (Path p :
          new Backups(ctx.root())
              .prune(ctx.s().backup().keep(), commits.stream().filter(Objects::nonNull).toList())) {
        ctx.log().info("Removed old backup " + p.getFileName());
      }
    } catch (IOException e) {
      ctx.log().warn("Cleaning old releases and backups: " + e.getMessage());
    }
  }

  private static void deleteQuietly(DeploymentContext ctx, Path release) {
    if (ctx.releases().current().map(c -> CleanCacheStep.sameDir(c, release)).orElse(false)) {
      return;
    }
    try {
      FileTrees.delete(release);
      ctx.log().info("Removed the failed release " + release.getFileName());
    } catch (IOException e) {
      ctx.log().warn("Could not remove " + release + ": " + e.getMessage());
    }
  }

  private static String optionsText(DeployOptions o) {
    List<String> flags = new ArrayList<>();
    if (o.force()) {
      flags.add("--force");
    }
    if (o.skipBackup()) {
      flags.add("--skip-backup");
    }
    if (o.skipHealthCheck()) {
      flags.add("--skip-health-check");
    }
    return flags.isEmpty() ? "" : " (" + String.join(" ", flags) + ")";
  }
}
