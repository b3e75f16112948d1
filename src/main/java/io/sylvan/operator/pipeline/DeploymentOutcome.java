package io.sylvan.operator.pipeline;

/**
 * What a pipeline run did, as facts: the status writer maps it to sync, health, commits and
 * conditions, and the reconciler to requeue, retry or stall. The pipeline itself writes only its
 * history rows.
 *
 * @param commit the commit this run deployed (for a rollback: the commit rolled back to)
 * @param replaces for an automatic rollback of a serving release: the commit it replaces (the one
 *     that failed); else null
 * @param failure the failed step of this run; null when it succeeded
 * @param healthChecked the new release passed a health check (false when it was skipped)
 * @param note why nothing was rolled back ({@link Result#FAILED}); else null
 * @param rollback the automatic rollback this run did or tried; null when none ran
 */
public record DeploymentOutcome(
    long deploymentId,
    String environment,
    String commit,
    PreparedDeployment.Kind kind,
    Result result,
    String replaces,
    Failure failure,
    String message,
    boolean healthChecked,
    String note,
    Rollback rollback) {

  public enum Result {
    /** The commit serves and passed its health check (or the check was skipped). */
    SUCCEEDED,
    /** The health check failed but the force option kept the release. */
    FORCED,
    /** A pre-deploy or build step failed, or the run was stopped; the serving release is kept. */
    HALTED,
    /** The commit failed after going live; the last good release serves again. */
    ROLLED_BACK,
    /** The commit failed and so did the rollback (or the rollback itself was the run). */
    ROLLBACK_FAILED,
    /** The commit failed after going live and there was nothing to roll back to. */
    FAILED
  }

  /** The step that failed, in which phase, classified, and its redacted message. */
  public record Failure(String step, Phase phase, FailureCode code, String message) {}

  /**
   * An automatic rollback to {@code commit}: {@code failure} is null when it succeeded; its code is
   * {@link FailureCode#OPERATOR_STOPPED} when SIGTERM cut it short.
   */
  public record Rollback(long deploymentId, String commit, Failure failure) {
    public boolean succeeded() {
      return failure == null;
    }
  }

  /** The failure code that describes this run's end: the rollback's when that failed. */
  public FailureCode code() {
    if (rollback != null && rollback.failure() != null) {
      return rollback.failure().code();
    }
    return failure == null ? null : failure.code();
  }

  /** {@link #code()} as stored in {@code deployment.error_code}. */
  public String errorCode() {
    FailureCode c = code();
    return c == null ? null : c.name();
  }

  public Long rollbackDeploymentId() {
    return rollback == null ? null : rollback.deploymentId();
  }

  /** The rollback, or this rollback run, was cut short by the operator stopping. */
  public boolean interrupted() {
    return code() == FailureCode.OPERATOR_STOPPED;
  }

  public boolean succeeded() {
    return result == Result.SUCCEEDED || result == Result.FORCED;
  }
}
