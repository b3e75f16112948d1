package io.sylvan.operator.pipeline;

import io.sylvan.operator.observe.EventData;
import io.sylvan.operator.observe.Events;
import io.sylvan.operator.state.Deployment;
import io.sylvan.operator.state.DeploymentRecorder;
import io.sylvan.operator.state.DeploymentStatus;
import io.sylvan.operator.state.LeaseLostException;
import io.sylvan.operator.state.LocalNode;
import io.sylvan.operator.state.StepStatus;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Runs the steps of one deployment in order, recording each step row as it happens, and closes
 * deployment rows. Stops at the first failure, and at a step boundary when the operator stops. A
 * fenced write ({@link LeaseLostException}) is not a failure of the step: it ends the run at once.
 */
@ApplicationScoped
public class StepRunner {

  @Inject DeploymentRecorder recorder;
  @Inject Events events;
  @Inject LocalNode node;

  /** A failed step of a run; {@code phase} is the step's own phase. */
  public record Failed(Step step, Phase phase, StepFailure error) {

    boolean stopped() {
      return error.code() == FailureCode.OPERATOR_STOPPED;
    }

    /** The failure as an outcome reports it, its message redacted. */
    DeploymentOutcome.Failure describe(DeploymentContext ctx) {
      return new DeploymentOutcome.Failure(
          step.name(), phase, error.code(), ctx.log().redacted(error.getMessage()));
    }
  }

  /**
   * Runs {@code steps}; each step row carries {@code phaseOverride} when set (a rollback), else the
   * step's phase. Empty when every step completed or was skipped.
   */
  public Optional<Failed> run(DeploymentContext ctx, List<Step> steps, Phase phaseOverride) {
    int seq = 0;
    for (Step step : steps) {
      seq++;
      Phase phase = phaseOverride != null ? phaseOverride : step.phase();
      if (Thread.interrupted()) {
        // The operator is stopping: stop at this step boundary.
        return Optional.of(
            new Failed(
                step,
                step.phase(),
                new StepFailure(
                    FailureCode.OPERATOR_STOPPED, "the operator was stopped before this step")));
      }
      Optional<String> skip = step.skipReason(ctx);
      if (skip.isPresent()) {
        recorder.stepSkipped(ctx.deploymentId(), seq, step.name(), phase.name(), skip.get());
        stepFinished(ctx, step, phase, StepStatus.SKIPPED, 0L, skip.get());
        ctx.log().info("Skipping: " + step.name() + " (" + skip.get() + ")");
        continue;
      }
      long stepId = recorder.stepStarted(ctx.deploymentId(), seq, step.name(), phase.name());
      events.publish(
          new EventData.StepStarted(
              ctx.deploymentId(),
              ctx.environment(),
              node.name(),
              step.name(),
              phase.name(),
              Instant.now()));
      long t0 = System.nanoTime();
      try {
        String output = step.run(ctx);
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ctx.log().step(step.name(), took);
        recorder.stepFinished(stepId, StepStatus.COMPLETED, ctx.log().redacted(output), null);
        stepFinished(ctx, step, phase, StepStatus.COMPLETED, took.toMillis(), null);
      } catch (StepFailure f) {
        if (Thread.interrupted()) {
          return Optional.of(stepStopped(ctx, step, phase, stepId, f.output()));
        }
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        ctx.log().step(step.name() + " FAILED", took);
        ctx.log().error(step.name() + ": " + f.getMessage());
        recorder.stepFinished(
            stepId,
            StepStatus.FAILED,
            ctx.log().redacted(f.output()),
            ctx.log().redacted(f.getMessage()));
        stepFinished(
            ctx,
            step,
            phase,
            StepStatus.FAILED,
            took.toMillis(),
            ctx.log().redacted(f.getMessage()));
        return Optional.of(new Failed(step, step.phase(), f));
      } catch (LeaseLostException e) {
        // Fenced (a health row of the step): nothing more may be written about this run.
        throw e;
      } catch (RuntimeException e) {
        if (Thread.interrupted()) {
          return Optional.of(stepStopped(ctx, step, phase, stepId, null));
        }
        String message = e.getClass().getSimpleName() + ": " + e.getMessage();
        ctx.log().error(step.name() + ": " + message);
        recorder.stepFinished(stepId, StepStatus.FAILED, null, ctx.log().redacted(message));
        stepFinished(
            ctx,
            step,
            phase,
            StepStatus.FAILED,
            (System.nanoTime() - t0) / 1_000_000,
            ctx.log().redacted(message));
        return Optional.of(
            new Failed(step, step.phase(), new StepFailure(FailureCode.INTERNAL, message)));
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
  private Failed stepStopped(
      DeploymentContext ctx, Step step, Phase phase, long stepId, String output) {
    String message = "the operator was stopped during this step";
    ctx.log().error(step.name() + ": " + message);
    recorder.stepFinished(stepId, StepStatus.FAILED, ctx.log().redacted(output), message);
    stepFinished(ctx, step, phase, StepStatus.FAILED, null, message);
    return new Failed(step, step.phase(), new StepFailure(FailureCode.OPERATOR_STOPPED, message));
  }

  /** Tells the live events a step ended, after its row was written; {@code message} redacted. */
  private void stepFinished(
      DeploymentContext ctx,
      Step step,
      Phase phase,
      StepStatus status,
      Long durationMs,
      String message) {
    events.publish(
        new EventData.StepFinished(
            ctx.deploymentId(),
            ctx.environment(),
            node.name(),
            step.name(),
            phase.name(),
            status.wire(),
            durationMs,
            message,
            Instant.now()));
  }

  /** Closes the deployment row as successful. */
  public void succeeded(DeploymentContext ctx) {
    recorder.finish(ctx.deploymentId(), DeploymentStatus.SUCCESS, d -> fillResult(ctx, d));
  }

  /** Closes the deployment row as failed by {@code f}. */
  public void failed(DeploymentContext ctx, Failed f) {
    recorder.finish(ctx.deploymentId(), DeploymentStatus.FAILED, d -> fillError(ctx, d, f));
  }

  /** Closes the deployment row as successful although {@code f} failed (the force option). */
  public void forced(DeploymentContext ctx, Failed f) {
    recorder.finish(
        ctx.deploymentId(),
        DeploymentStatus.SUCCESS,
        d -> {
          fillError(ctx, d, f);
          d.errorCode = "FORCED_" + f.error().code().name();
        });
  }

  /** Closes the deployment row of a run that crashed outside its steps. */
  public void crashed(DeploymentContext ctx, FailureCode code, String message) {
    recorder.finish(
        ctx.deploymentId(),
        DeploymentStatus.FAILED,
        d -> {
          d.errorCode = code.name();
          d.errorMessage = ctx.log().redacted(message);
        });
  }

  public void markRolledBack(long deploymentId) {
    recorder.markRolledBack(deploymentId);
  }

  private static void fillResult(DeploymentContext ctx, Deployment d) {
    d.version = ctx.version().orElse(d.version);
    ctx.backupPath().ifPresent(p -> d.backupPath = p.toString());
    // An activation (rollback) runs with the env file its release holds.
    ctx.envHash()
        .or(() -> EnvSecrets.contentHashOf(ctx.releaseDir()))
        .ifPresent(h -> d.envHash = h);
    ctx.nextBuild()
        .ifPresent(
            plan -> {
              d.buildIdSource = plan.source();
              d.buildId = ctx.buildId().orElse(null);
            });
  }

  private static void fillError(DeploymentContext ctx, Deployment d, Failed f) {
    fillResult(ctx, d);
    d.errorStep = f.step().name();
    d.errorMessage = ctx.log().redacted(f.error().getMessage());
    d.errorCode = f.error().code().name();
  }
}
