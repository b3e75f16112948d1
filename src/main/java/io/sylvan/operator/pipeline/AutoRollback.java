package io.sylvan.operator.pipeline;

import io.sylvan.operator.observe.OperatorMetrics;
import io.sylvan.operator.state.DeploymentType;
import io.sylvan.operator.state.EnvironmentService;
import io.sylvan.operator.state.Trigger;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The automatic rollback after a deploy or post-deploy step failed: the last good release (or the
 * one that served before) serves again, recorded as its own deployment row.
 */
@ApplicationScoped
public class AutoRollback {

  @Inject DeploymentStarter starter;
  @Inject StepRunner steps;
  @Inject EnvironmentService environments;
  @Inject OperatorMetrics metrics;

  /**
   * Rolls back the failed run {@code failed} (its row is already closed) and says what happened.
   */
  DeploymentOutcome rollBack(
      DeploymentContext failed, PreparedDeployment.Kind kind, StepRunner.Failed failure) {
    DeploymentOutcome.Failure cause = failure.describe(failed);
    boolean automatic = failed.s().rollback().automatic();
    Optional<Target> target = automatic ? target(failed) : Optional.empty();
    if (target.isEmpty()) {
      String why =
          automatic
              ? "no earlier release on disk to roll back to"
              : "automatic rollback is off (rollback.automatic: false)";
      failed.log().error("Not rolling back: " + why);
      return outcome(
          failed, kind, DeploymentOutcome.Result.FAILED, cause, cause.message(), why, null);
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
        starter.start(
            new DeploymentStarter.Plan(
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
    Optional<StepRunner.Failed> rbFailure =
        steps.run(rb, PipelineSteps.activate(true), Phase.ROLLBACK);
    metrics.rollback(
        failed.environment(), rbFailure.isEmpty(), Duration.ofNanos(System.nanoTime() - t0));
    steps.markRolledBack(failed.deploymentId());
    if (rbFailure.isEmpty()) {
      steps.succeeded(rb);
      Retention.deleteFailed(failed, failed.releaseDir());
      failed.log().success("Rollback to " + rb.commit() + " completed");
      return outcome(
          failed,
          kind,
          DeploymentOutcome.Result.ROLLED_BACK,
          cause,
          cause.message(),
          null,
          new DeploymentOutcome.Rollback(rb.deploymentId(), rb.commit(), null));
    }
    StepRunner.Failed rf = rbFailure.get();
    DeploymentOutcome.Failure rbCause = rf.describe(rb);
    steps.failed(rb, rf);
    if (rf.stopped()) {
      // SIGTERM, not a broken release: the next start reconciles (and rolls back) again.
      failed.log().warn("Rollback stopped (" + rbCause.message() + "); resumed at the next start");
    } else {
      failed.log().error("ROLLBACK FAILED: " + rbCause.message() + "; manual intervention needed");
    }
    return outcome(
        failed,
        kind,
        DeploymentOutcome.Result.ROLLBACK_FAILED,
        cause,
        rbCause.message(),
        null,
        new DeploymentOutcome.Rollback(rb.deploymentId(), rb.commit(), rbCause));
  }

  private static DeploymentOutcome outcome(
      DeploymentContext failed,
      PreparedDeployment.Kind kind,
      DeploymentOutcome.Result result,
      DeploymentOutcome.Failure cause,
      String message,
      String note,
      DeploymentOutcome.Rollback rollback) {
    return new DeploymentOutcome(
        failed.deploymentId(),
        failed.environment(),
        failed.commit(),
        kind,
        result,
        null,
        cause,
        message,
        false,
        note,
        rollback);
  }

  private record Target(String commit, Path release) {}

  /** The last good commit's release if on disk, else the release that served before. */
  private Optional<Target> target(DeploymentContext failed) {
    String lastGood =
        environments.find(failed.environment()).map(e -> e.lastGoodCommit).orElse(null);
    List<Target> candidates = new ArrayList<>();
    if (lastGood != null && !lastGood.equals(failed.commit())) {
      failed.releases().forCommit(lastGood).ifPresent(p -> candidates.add(new Target(lastGood, p)));
    }
    // Another release of the same commit counts too: an env change is rolled back to the
    // release, and so the env file, that served before it.
    if (failed.servingRelease().isPresent()
        && failed.servingCommit().isPresent()
        && (!failed.servingCommit().get().equals(failed.commit())
            || !failed.servingRelease().get().equals(failed.releaseDir()))) {
      candidates.add(new Target(failed.servingCommit().get(), failed.servingRelease().get()));
    }
    return candidates.stream().findFirst();
  }
}
