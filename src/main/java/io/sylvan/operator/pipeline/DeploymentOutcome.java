package io.sylvan.operator.pipeline;

/** How a pipeline run ended; the reconciler classifies it (requeue, retry, stall). */
public record DeploymentOutcome(
    long deploymentId, Result result, String errorCode, String message, Long rollbackDeploymentId) {

  public enum Result {
    /** The commit serves and passed its health check (or the check was skipped). */
    SUCCEEDED,
    /** The health check failed but the force option kept the release. */
    FORCED,
    /** A pre-deploy or build step failed; the previous release still serves. */
    HALTED,
    /** The commit failed after going live; the last good release serves again. */
    ROLLED_BACK,
    /** The commit failed and so did the rollback. */
    ROLLBACK_FAILED,
    /** The commit failed after going live and there was nothing to roll back to. */
    FAILED
  }

  public boolean succeeded() {
    return result == Result.SUCCEEDED || result == Result.FORCED;
  }
}
