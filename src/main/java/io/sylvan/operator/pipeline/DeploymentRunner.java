package io.sylvan.operator.pipeline;

import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.observe.OperatorMetrics;
import io.sylvan.operator.spec.DeploySpec;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentLock;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.LeaseLostException;
import io.sylvan.operator.state.LocalNode;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jboss.logging.Logger;

/**
 * Prepares and runs deployments of one environment: an update, an activation of a built release, or
 * a rollback; the steps run in {@link StepRunner}, a failed update is rolled back by {@link
 * AutoRollback}. It writes only history rows and returns a {@link DeploymentOutcome}, which the
 * {@link DeploymentListener} turns into status. No database transaction is open while a step runs.
 */
@ApplicationScoped
public class DeploymentRunner {

  private static final Logger LOG = Logger.getLogger(DeploymentRunner.class);

  @Inject DeploymentStarter starter;
  @Inject StepRunner steps;
  @Inject AutoRollback rollback;
  @Inject EnvironmentService environments;
  @Inject EnvironmentLock locks;
  @Inject LocalNode node;
  @Inject OperatorMetrics metrics;
  @Inject DeploymentListener listener;
  @Inject Events events;

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
    return prepareUpdate(spec, commit, options, trigger, specRevision, BuildAgreement.NONE);
  }

  /** An update whose build must agree with the other nodes' before its switch. */
  public PreparedDeployment prepareUpdate(
      DeploySpec spec,
      String commit,
      DeployOptions options,
      Trigger trigger,
      String specRevision,
      BuildAgreement agreement)
      throws BusyException {
    return prepareUpdate(
        spec, commit, options, trigger, specRevision, PipelineSteps.update(agreement));
  }

  /**
   * An update of the encrypted env file alone ({@link PipelineSteps#envChange}): a copy of the
   * serving release of {@code commit} with the new env file, no build.
   */
  public PreparedDeployment prepareEnvChange(
      DeploySpec spec, String commit, Trigger trigger, String specRevision) throws BusyException {
    return prepareUpdate(
        spec, commit, DeployOptions.NONE, trigger, specRevision, PipelineSteps.envChange());
  }

  private PreparedDeployment prepareUpdate(
      DeploySpec spec,
      String commit,
      DeployOptions options,
      Trigger trigger,
      String specRevision,
      List<Step> steps)
      throws BusyException {
    EnvironmentLock.Held lock = lock(spec.environment());
    try {
      Releases releases = new Releases(spec.spec().target().root());
      Optional<Path> serving = releases.current();
      DeploymentType type = serving.isEmpty() ? DeploymentType.INITIAL : DeploymentType.UPDATE;
      Path releaseDir = releases.newReleaseDir(commit);
      DeploymentContext ctx =
          starter.start(
              new DeploymentStarter.Plan(
                  spec, commit, type, options, trigger, specRevision, releaseDir, serving, null),
              starter.newLog(spec));
      return new PreparedDeployment(ctx, PreparedDeployment.Kind.UPDATE, steps, lock, null, null);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Prepares making an already built release serve again, without rebuilding: a rollback ({@code
   * type} rollback: manual, or automatic when {@code trigger} is {@link Trigger#AUTO_ROLLBACK}) or
   * the correction of drift ({@code type} update).
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
          starter.start(
              new DeploymentStarter.Plan(
                  spec,
                  commit,
                  type,
                  DeployOptions.NONE,
                  trigger,
                  specRevision,
                  release,
                  serving,
                  rollbackOf),
              starter.newLog(spec));
      boolean isRollback = type == DeploymentType.ROLLBACK;
      String replaces =
          isRollback && trigger == Trigger.AUTO_ROLLBACK ? ctx.servingCommit().orElse(null) : null;
      return new PreparedDeployment(
          ctx,
          isRollback ? PreparedDeployment.Kind.ROLLBACK : PreparedDeployment.Kind.ACTIVATION,
          PipelineSteps.activate(false),
          lock,
          rollbackOf,
          replaces);
    } catch (RuntimeException e) {
      lock.close();
      throw e;
    }
  }

  /**
   * Runs a prepared deployment to its end, rollback included, releases the lock, and tells the
   * listener what happened.
   */
  public DeploymentOutcome execute(PreparedDeployment prepared) {
    long t0 = System.nanoTime();
    DeploymentOutcome outcome = run(prepared);
    listener.finished(outcome);
    publishFinished(prepared.context(), outcome);
    metrics.deployment(
        prepared.context().environment(),
        outcome.result().name().toLowerCase(Locale.ROOT),
        outcome.result() == DeploymentOutcome.Result.SUCCEEDED,
        Duration.ofNanos(System.nanoTime() - t0));
    return outcome;
  }

  /**
   * The live events of a run's end, from its outcome: an automatic rollback's deployment first,
   * then the run's own with its final status (rolled_back once its rollback succeeded).
   */
  private void publishFinished(DeploymentContext ctx, DeploymentOutcome o) {
    DeploymentOutcome.Rollback rb = o.rollback();
    if (rb != null) {
      events.publish(
          new EventData.DeploymentFinished(
              rb.deploymentId(),
              o.environment(),
              node.name(),
              rb.commit(),
              (rb.succeeded() ? DeploymentStatus.SUCCESS : DeploymentStatus.FAILED).wire(),
              starter.finishedMillis(rb.deploymentId()),
              rb.failure() == null ? null : rb.failure().step(),
              rb.failure() == null ? null : rb.failure().message(),
              Instant.now()));
    }
    DeploymentStatus status =
        switch (o.result()) {
          case SUCCEEDED, FORCED -> DeploymentStatus.SUCCESS;
          case ROLLED_BACK -> DeploymentStatus.ROLLED_BACK;
          case HALTED, ROLLBACK_FAILED, FAILED -> DeploymentStatus.FAILED;
        };
    events.publish(
        new EventData.DeploymentFinished(
            o.deploymentId(),
            o.environment(),
            node.name(),
            o.commit(),
            status.wire(),
            starter.finishedMillis(o.deploymentId()),
            o.failure() == null ? null : o.failure().step(),
            ctx.log().redacted(o.message()),
            Instant.now()));
  }

  private DeploymentOutcome run(PreparedDeployment prepared) {
    // The lease is released after the crash record below: that write is fenced too.
    try (EnvironmentLock.Held lock = prepared.lock()) {
      return runHolding(prepared);
    }
  }

  private DeploymentOutcome runHolding(PreparedDeployment prepared) {
    DeploymentContext ctx = prepared.context();
    try (DeploymentLog log = ctx.log()) {
      if (prepared.kind() == PreparedDeployment.Kind.ROLLBACK) {
        Optional<StepRunner.Failed> failure = steps.run(ctx, prepared.steps(), Phase.ROLLBACK);
        if (failure.isEmpty()) {
          return succeed(prepared);
        }
        return failure.get().stopped()
            ? stopped(prepared, failure.get())
            : rollbackFailed(prepared, failure.get());
      }
      log.info(
          "Starting "
              + (prepared.kind() == PreparedDeployment.Kind.ACTIVATION
                  ? "activation of"
                  : ctx.type().wire() + " deployment of")
              + " "
              + ctx.commit()
              + " to "
              + ctx.environment()
              + " on node "
              + node.name()
              + optionsText(ctx.options()));
      Optional<StepRunner.Failed> failure = steps.run(ctx, prepared.steps(), null);
      if (failure.isEmpty()) {
        return succeed(prepared);
      }
      return failure.get().stopped()
          ? stopped(prepared, failure.get())
          : fail(prepared, failure.get());
    } catch (LeaseLostException e) {
      return leaseLost(prepared, e);
    } catch (RuntimeException e) {
      // Interrupted while recording: clear the flag so the record below reaches the database.
      boolean stopping = Thread.interrupted();
      LOG.errorf(e, "deployment %d of %s crashed", ctx.deploymentId(), ctx.environment());
      FailureCode code = stopping ? FailureCode.OPERATOR_STOPPED : FailureCode.INTERNAL;
      try {
        steps.crashed(ctx, code, String.valueOf(e.getMessage()));
      } catch (LeaseLostException lost) {
        return leaseLost(prepared, lost);
      }
      String message = ctx.log().redacted(String.valueOf(e.getMessage()));
      return outcome(
          prepared,
          DeploymentOutcome.Result.HALTED,
          new DeploymentOutcome.Failure(null, null, code, message),
          message,
          false);
    }
  }

  /**
   * A write about the run was fenced: another operator process holds the pair now, so nothing more
   * is written or run (its deployment row stays {@code in_progress} until the new holder's crash
   * recovery closes it). Retried, not a failure of the commit.
   */
  private DeploymentOutcome leaseLost(PreparedDeployment prepared, LeaseLostException e) {
    DeploymentContext ctx = prepared.context();
    LOG.warnf(
        "[%s] deployment %d stopped: %s", ctx.environment(), ctx.deploymentId(), e.getMessage());
    return outcome(
        prepared,
        DeploymentOutcome.Result.HALTED,
        new DeploymentOutcome.Failure(null, null, FailureCode.LEASE_LOST, e.getMessage()),
        e.getMessage(),
        false);
  }

  /**
   * A run cut short by the operator's stop is recorded as failed, without a rollback (the operator
   * is going away; the next start reconciles the environment again).
   */
  private DeploymentOutcome stopped(PreparedDeployment prepared, StepRunner.Failed failure) {
    DeploymentContext ctx = prepared.context();
    String message = failure.step().name() + ": " + failure.error().getMessage();
    steps.failed(ctx, failure);
    ctx.log().warn("Deployment stopped (" + message + "); nothing is rolled back");
    return outcome(
        prepared, DeploymentOutcome.Result.HALTED, failure.describe(ctx), message, false);
  }

  private DeploymentOutcome succeed(PreparedDeployment prepared) {
    DeploymentContext ctx = prepared.context();
    boolean checked = ctx.lastHealth().map(HealthReport::healthy).orElse(false);
    steps.succeeded(ctx);
    ctx.log().info("Deployment completed successfully");
    String lastGood =
        checked
            ? ctx.commit()
            : environments.find(ctx.environment()).map(e -> e.lastGoodCommit).orElse(null);
    Retention.prune(ctx, lastGood);
    return outcome(prepared, DeploymentOutcome.Result.SUCCEEDED, null, "deployed", checked);
  }

  private DeploymentOutcome fail(PreparedDeployment prepared, StepRunner.Failed failure) {
    DeploymentContext ctx = prepared.context();
    DeploymentOutcome.Failure cause = failure.describe(ctx);
    if (!failure.phase().rollsBackOnFailure()) {
      // Seed: pre-deploy and build errors halt; the serving release was never touched.
      steps.failed(ctx, failure);
      if (failure.error().code() == FailureCode.PREVIEW_FAILED) {
        Retention.keepForInspection(ctx, ctx.releaseDir());
      } else {
        Retention.deleteFailed(ctx, ctx.releaseDir());
      }
      ctx.log()
          .error(
              "Deployment halted in " + failure.phase() + "; the previous release keeps serving");
      return outcome(prepared, DeploymentOutcome.Result.HALTED, cause, cause.message(), false);
    }
    if (ctx.options().force() && failure.phase() == Phase.POST_DEPLOY) {
      steps.forced(ctx, failure);
      ctx.log().warn("Health check failed but the force option keeps " + ctx.shortCommit());
      return outcome(prepared, DeploymentOutcome.Result.FORCED, cause, cause.message(), false);
    }
    ctx.log().error("Deployment failed in " + failure.phase() + ": " + cause.message());
    steps.failed(ctx, failure);
    return rollback.rollBack(ctx, prepared.kind(), failure);
  }

  /** A rollback run failed: what serves is not what was asked for. */
  private DeploymentOutcome rollbackFailed(PreparedDeployment prepared, StepRunner.Failed f) {
    DeploymentContext ctx = prepared.context();
    steps.failed(ctx, f);
    DeploymentOutcome.Failure cause = f.describe(ctx);
    return outcome(
        prepared, DeploymentOutcome.Result.ROLLBACK_FAILED, cause, cause.message(), false);
  }

  private static DeploymentOutcome outcome(
      PreparedDeployment prepared,
      DeploymentOutcome.Result result,
      DeploymentOutcome.Failure failure,
      String message,
      boolean healthChecked) {
    DeploymentContext ctx = prepared.context();
    return new DeploymentOutcome(
        ctx.deploymentId(),
        ctx.environment(),
        ctx.commit(),
        prepared.kind(),
        result,
        prepared.replaces(),
        failure,
        message,
        healthChecked,
        null,
        null);
  }

  private EnvironmentLock.Held lock(String environment) throws BusyException {
    try {
      return locks.tryLock(environment).orElseThrow(() -> new BusyException(environment));
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot take the lock of " + environment + ": " + e.getMessage(), e);
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
